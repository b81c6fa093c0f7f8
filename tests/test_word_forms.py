"""Scoring without nltk: the stem table in the model file, the negation rule, small pickles, cold imports."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nltk.sentiment.util import NEGATION_RE
from nltk.stem.snowball import SnowballStemmer

from tonecls.model_file import load_model, save_model
from tonecls.resources import shipped_model_path
from tonecls.text import WordForms, negation_rule, normalise
from tonecls.words import split_words

ROOT = Path(__file__).resolve().parent.parent
STATEMENTS = ROOT / "statements"


def corpus_vocabulary() -> set[str]:
    words: set[str] = set()
    for path in sorted(STATEMENTS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                words.update(w.lower() for w in split_words(normalise(json.loads(line)["text"])))
    return words


@pytest.fixture(scope="module")
def vocabulary() -> set[str]:
    words = corpus_vocabulary()
    assert len(words) > 5000
    return words


def test_the_shipped_model_stems_every_corpus_word_as_training_did(vocabulary):
    """Scoring-time stems (table, then PyStemmer) equal nltk's over the whole corpus vocabulary."""
    exact = SnowballStemmer("english").stem
    forms = load_model(shipped_model_path()).features_.forms
    assert not forms.exact and len(forms.stems) >= len(vocabulary) * 0.8
    wrong = {w: (forms.stem(w), exact(w)) for w in sorted(vocabulary) if forms.stem(w) != exact(w)}
    assert wrong == {}


def test_words_whose_fast_stem_differs_are_in_the_table(vocabulary):
    """PyStemmer's Snowball revision differs from nltk's on some words: each of those must be looked up."""
    import Stemmer

    fast = Stemmer.Stemmer("english").stemWord
    exact = SnowballStemmer("english").stem
    differing = {w for w in vocabulary if fast(w) != exact(w)}
    assert differing, "the two stemmers agree everywhere: the table would not be needed"
    table = load_model(shipped_model_path()).features_.forms.stems
    assert {w: table.get(w) for w in differing} == {w: exact(w) for w in differing}


NEGATION_FORMS = (
    "not no never none nothing nowhere noone don't doesn't didn't isn't aren't wasn't weren't won't wouldn't "
    "can't couldn't shouldn't mustn't needn't hasn't haven't hadn't ain't shan't dont doesnt didnt isnt arent "
    "wont wouldnt cant couldnt shouldnt hasnt havent hadnt aint n't nobody neither nor cannot notwithstanding "
    "nothingness nowhere's nonetheless knot snot nod note nothings nevertheless unnecessary dont's isn'tit"
).split()


def test_negation_rule_marks_what_nltk_marks(vocabulary):
    for word in sorted(vocabulary | set(NEGATION_FORMS)):
        assert negation_rule(word) == bool(NEGATION_RE.search(word)), word


@given(st.text(alphabet="abcdeilnorstuvw'", max_size=12))
def test_negation_rule_agrees_with_nltk_on_generated_words(word):
    assert negation_rule(word) == bool(NEGATION_RE.search(word))


def test_a_trained_model_records_its_words_and_a_loaded_one_stems_the_same(tmp_path, tiny_model_path):
    model = load_model(tiny_model_path)
    forms = model.features_.forms
    assert not forms.exact and forms.stems["condemn"] == "condemn" and "not" in forms.negators
    unseen = "internationally organizations emergency hydrologists didn't"
    exact = WordForms()
    assert [exact.stem(w) for w in unseen.split()] == [SnowballStemmer("english").stem(w) for w in unseen.split()]
    assert exact.exact and set(exact.stems) == set(unseen.split())  # training records what it stems
    # saved again, the table round-trips unchanged
    again = load_model(save_model(model, tmp_path / "again.model"))
    assert again.features_.forms.stems == forms.stems and again.features_.forms.negators == forms.negators


def test_a_model_file_without_a_table_still_loads_and_stems_with_nltk(tmp_path, tiny_model_path):
    """Files written before the table: exact stems, nltk imported when first needed."""
    src = zipfile.ZipFile(tiny_model_path)
    old = tmp_path / "old.model"
    with zipfile.ZipFile(old, "w") as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "model.json":
                meta = json.loads(data)
                del meta["word_forms"]
                data = json.dumps(meta).encode()
            zf.writestr(info, data)
    model = load_model(old)
    assert model.features_.forms.exact
    assert (
        model.predict_proba(["We condemn it."]).tolist()
        == load_model(tiny_model_path).predict_proba(["We condemn it."]).tolist()
    )


def test_a_bad_stem_table_is_refused(tmp_path, tiny_model_path):
    src = zipfile.ZipFile(tiny_model_path)
    bad = tmp_path / "bad.model"
    with zipfile.ZipFile(bad, "w") as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "model.json":
                meta = json.loads(data)
                meta["word_forms"]["stems"]["attack"] = ""
                data = json.dumps(meta).encode()
            zf.writestr(info, data)
    from tonecls.errors import ModelFileError

    with pytest.raises(ModelFileError, match="bad stem table"):
        load_model(bad)


def unpacked_size(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(info.file_size for info in zf.infolist())


def test_a_model_pickles_about_the_size_of_its_file_and_stays_so_after_scoring():
    """Workers get the model pickled: its per-word caches must not travel with it."""
    path = shipped_model_path()
    model = load_model(path)
    before = len(pickle.dumps(model))
    assert before <= 1.3 * unpacked_size(path)
    texts = [f"Statement {i} about zebra{i} and quokka{i} near the border, which we condemn." for i in range(2000)]
    model.predict_proba(texts)
    assert len(model.features_.analyzer._words) > 2000  # the caches did fill
    assert len(pickle.dumps(model)) == before
    again = pickle.loads(pickle.dumps(model))
    assert again.predict_proba(texts[:50]).tolist() == model.predict_proba(texts[:50]).tolist()


def test_a_model_with_character_ngrams_pickles_without_its_column_cache(tiny_model_path):
    model = load_model(tiny_model_path)
    before = len(pickle.dumps(model))
    model.predict_proba([f"word{i} attack" for i in range(500)])
    assert model.features_._char_columns
    assert len(pickle.dumps(model)) == before


CHECK_IMPORTS = """
import sys
from click.testing import CliRunner
import tonecls.cli
for args in (["classify", "We condemn this attack."], ["score", sys.argv[1]]):
    result = CliRunner().invoke(tonecls.cli.cli, args)
    assert result.exit_code == 0, result.output
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("nltk", "sklearn", "pandas", "joblib"))
heavy += [m for m in ("scipy.stats", "scipy.optimize") if m in sys.modules]
print(",".join(heavy))
"""

# What scoring must never import: the stemmer's package and the estimators that only fitting needs.
FITTING_ONLY = ("nltk", "sklearn.linear_model", "sklearn.feature_extraction", "sklearn.model_selection")


def imported_when_scoring(tmp_path) -> list[str]:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "We condemn this."}\n{"text": "We call for calm."}\n')
    env = {"PATH": "/usr/bin:/bin", "TONECLS_MODEL": str(shipped_model_path())}
    done = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS, str(src)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]


def test_classify_and_score_import_neither_nltk_nor_the_fitting_estimators(tmp_path):
    heavy = imported_when_scoring(tmp_path)
    assert [m for m in heavy if m == "nltk" or m.startswith(tuple(f"{p}." for p in FITTING_ONLY) + ("nltk.",))] == []
    assert [m for m in heavy if m in FITTING_ONLY] == []


def test_classify_and_score_import_no_sklearn_at_all(tmp_path):
    """They load the model file into a TonePredictor: no scikit-learn (not even sklearn.base, which pulls pandas,
    joblib, scipy.stats and scipy.optimize), no nltk."""
    assert imported_when_scoring(tmp_path) == []
