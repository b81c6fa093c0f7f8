"""The scoring predictor (`load_predictor`) gives exactly what the fitted estimator (`load_model`) gives, and
what `score` and `classify` wrote before the two were split: the same probabilities, the same bytes."""

from __future__ import annotations

import functools
import hashlib
import pickle
import subprocess
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecls.cli import cli
from tonecls.corpus import read_statements
from tonecls.model import ToneModel
from tonecls.model_file import load_model, load_predictor
from tonecls.predictor import TonePredictor
from tonecls.settings import Settings
from tonecls.text import Analyzer, normalise
from tonecls.words import split_words

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "tonecls.model"
REFERENCE = Path(__file__).resolve().parent / "data" / "score_reference"
# The shipped model the reference outputs were made with (by the code before TonePredictor existed; the
# out-of-vocabulary note added afterwards, checked to change nothing else).
REFERENCE_MODEL_SHA256 = "0e77c3c99a381b2c9d7ffa0f975adeaae2bf20ae3aba6a9fa4a2d9ed62bb5cdf"


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return [s.text for s in read_statements([ROOT / "statements"])]


def reference_texts() -> list[str]:
    return (REFERENCE / "lines.txt").read_text(encoding="utf-8").splitlines()


def test_the_predictor_gives_the_estimators_probabilities_bit_for_bit(corpus_texts):
    model, predictor = load_model(SHIPPED), load_predictor(SHIPPED)
    assert isinstance(model, ToneModel) and isinstance(predictor, TonePredictor)
    texts = corpus_texts + reference_texts()
    assert np.array_equal(predictor.predict_proba(texts), model.predict_proba(texts))
    assert np.array_equal(predictor.decision_function(texts), model.decision_function(texts))
    assert np.array_equal(predictor.predict(texts), model.predict(texts))
    text = "This violation of our sovereignty is completely unacceptable and can have serious consequences."
    assert predictor.classify(text, top=8) == model.classify(text, top=8)


def test_a_predictor_with_character_ngrams_matches_its_estimator(tiny_model_path, corpus_texts):
    model, predictor = load_model(tiny_model_path), load_predictor(tiny_model_path)
    texts = corpus_texts[:600] + reference_texts()
    assert np.array_equal(predictor.predict_proba(texts), model.predict_proba(texts))
    assert predictor.features_.feature_names() == model.features_.feature_names()


def test_an_estimator_fitted_here_predicts_through_its_predictor(tiny_model_path):
    model = load_model(tiny_model_path)
    texts = ["We condemn the attack.", "We call for calm.", "Our forces stand ready."]
    assert np.array_equal(model.predictor().predict_proba(texts), model.predict_proba(texts))
    z = model.classifier_.decision_function(model.features_.transform(texts))
    assert np.array_equal(model.decision_function(texts), model.calibration_[:, 0] * z + model.calibration_[:, 1])


def test_the_fast_transform_equals_the_training_path_matrix(corpus_texts, tiny_model_path):
    """Scoring builds the matrix straight from texts; training from analysed counts: both must agree exactly
    (character n-grams to the last bit but one: their columns come out of a sparse product in another order,
    so a row's norm is summed in another order)."""
    texts = corpus_texts[:1500] + reference_texts()
    for path, tolerance in ((SHIPPED, 0.0), (tiny_model_path, 1e-15)):
        space = load_predictor(path).features_
        fast = space.transform_texts(texts)
        slow = space.matrix(space.analysis.analyse(texts))
        fast.sort_indices()
        assert fast.shape == slow.shape
        assert np.array_equal(fast.indptr, slow.indptr) and np.array_equal(fast.indices, slow.indices)
        assert np.abs(fast.data - slow.data).max() <= tolerance


def test_a_predictor_pickles_without_its_caches_and_scores_the_same(tiny_model_path, corpus_texts):
    predictor = load_predictor(tiny_model_path)
    before = len(pickle.dumps(predictor))
    probs = predictor.predict_proba(corpus_texts[:300])
    assert predictor.features_.char_columns
    data = pickle.dumps(predictor)
    assert len(data) == before
    assert np.array_equal(pickle.loads(data).predict_proba(corpus_texts[:300]), probs)


def _reference_model() -> None:
    digest = hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    if digest != REFERENCE_MODEL_SHA256:
        pytest.skip("the shipped model was retrained since the reference outputs were made; remake them")


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_score_writes_the_bytes_it_wrote_before_the_predictor(tmp_path, monkeypatch, suffix):
    _reference_model()
    monkeypatch.setenv("TONECLS_MODEL", str(SHIPPED))
    out = tmp_path / f"out.{suffix}"
    result = CliRunner().invoke(cli, ["score", str(REFERENCE / "input.jsonl"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (REFERENCE / f"expected.{suffix}").read_bytes()


def test_score_with_two_jobs_writes_the_same_bytes(tmp_path, monkeypatch):
    _reference_model()
    monkeypatch.setenv("TONECLS_MODEL", str(SHIPPED))
    out = tmp_path / "out.jsonl"
    args = ["score", str(REFERENCE / "input.jsonl"), "--out", str(out), "--jobs", "2", "--part-size", "20000"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (REFERENCE / "expected.jsonl").read_bytes()


def test_classify_prints_the_evidence_it_printed_before_the_predictor(monkeypatch):
    _reference_model()
    monkeypatch.setenv("TONECLS_MODEL", str(SHIPPED))
    stdin = (REFERENCE / "lines.txt").read_bytes()
    result = CliRunner().invoke(cli, ["classify", "--lines", "--json", "--top", "8"], input=stdin)
    assert result.exit_code == 0, result.output
    assert result.output == (REFERENCE / "expected-classify.jsonl").read_text(encoding="utf-8")


LOAD_AND_SCORE = """
import sys
from tonecls.model_file import load_predictor
from tonecls.batch import score_batch
from tonecls.explain import top_features
predictor = load_predictor(sys.argv[1])
rows = score_batch(predictor, ["We condemn the attack.", "We call for calm."])
predictor.classify("We condemn the attack.")
top_features(predictor, "threat")
assert rows[0]["tones"] == ["condemnation"], rows
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "nltk", "pandas", "joblib"))))
"""


def test_loading_and_scoring_with_a_predictor_imports_neither_sklearn_nor_nltk():
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_SCORE, str(SHIPPED)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


# Words that exercise every branch of the id path: negators and scope ends, names of one and several words
# (and their first word alone), cue phrases, possessives, punctuation, typographic quotes, odd spacing,
# non-ASCII letters, words no model has seen.
TRICKY = (
    "not no never don't cant isn't nothing but however while whereas . , ; : ! ? ( ) "
    "India India's Pakistan New Delhi New United States United Kingdom Secretary-General Geneva The Hague "
    "Republic of China People's Washington , D.C. Never None No "
    "condemn condemns strongly condemn we call on both sides to exercise restraint will respond decisively "
    "sovereignty territorial integrity violation of our airspace serious consequences dialogue talks "
    "it’s “quoted” — naïve café Ørsted xylophonic zzqx not_threat __country__ 12 1,000"
).split() + [  # cue phrases of up to six stems, whole
    "return to the negotiating table",
    "will not stand idly by",
    "at a time of our choosing",
    "respect for the territorial integrity",
    "no intention of escalation",
    "call on both sides",
    "People's Republic of China",
]
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", " ,", "\u00a0", "'s ", "’s "])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.sampled_from(TRICKY), SEPARATORS), max_size=30), min_size=1, max_size=8))
def test_the_id_path_finds_exactly_the_string_paths_columns(docs):
    space = _shipped_space()
    texts = ["".join(word + sep for word, sep in doc) for doc in docs]
    fast = space.transform_texts(texts)
    slow = space.matrix(space.analysis.analyse(texts))
    assert fast.shape == slow.shape
    assert np.array_equal(fast.indptr, slow.indptr) and np.array_equal(fast.indices, slow.indices)
    assert np.array_equal(fast.data, slow.data)


@functools.cache
def _shipped_space():
    """One loaded feature space for all the generated cases (its word caches carry over, as in a long run)."""
    space = load_predictor(SHIPPED).features_
    assert space.index is not None
    return space


@given(st.text(alphabet=st.sampled_from("ab ’‘“”–—\u00a0\tﬁé'\"-"), max_size=40))
def test_normalise_folds_quotes_and_dashes_as_one_translation_table_did(text):
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
    assert normalise(text) == " ".join(unicodedata.normalize("NFKC", text).translate(table).split())


def test_threads_learning_new_words_at_once_get_the_columns_one_thread_gets(corpus_texts):
    """The server scores from many threads with no lock of its own: words first seen in two threads at once
    must still get their own records."""
    predictor = load_predictor(SHIPPED)
    batches = [[f"{text} novelword{t}x{i} India" for i, text in enumerate(corpus_texts[t::8][:200])] for t in range(8)]
    expected = [load_predictor(SHIPPED).features_.transform_texts(batch).toarray() for batch in batches]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda batch: predictor.features_.transform_texts(batch).toarray(), batches))
    assert all(np.array_equal(g, e) for g, e in zip(got, expected, strict=True))


@pytest.mark.parametrize(
    "changes",
    [
        {"word_ngrams": (1, 3)},
        {"word_ngrams": (2, 3), "cues": False},
        {"negation": False, "stem": False},
        {"mask_actors": False},
        {"word_ngrams": (1, 4), "min_df": 1},
    ],
    ids=repr,
)
def test_the_id_path_matches_the_string_path_under_other_settings(changes, corpus_texts):
    """Models trained with other feature settings score through the id path too, with the same columns."""
    texts = corpus_texts[:400]
    labels = [["condemnation"] if "condemn" in t else ["conciliation"] if "dialogue" in t else [] for t in texts]
    settings = Settings(**{"C": 1.0, "tune_thresholds": False, "calibrate": False, **changes})
    model = ToneModel(settings).fit(texts, labels)
    space = model.features_.space
    assert space.index is not None
    probe = texts[:50] + reference_texts()
    fast = space.transform_texts(probe)
    slow = space.matrix(space.analysis.analyse(probe))
    assert np.array_equal(fast.indices, slow.indices) and np.array_equal(fast.indptr, slow.indptr)
    assert np.array_equal(fast.data, slow.data)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab'’s .,;()\t\n\u00a0\u2028ﬁé_9-x\x1c"), max_size=60))
def test_the_piece_cache_splits_words_as_the_whole_text_split_did(text):
    analyzer = Analyzer(mask_actors=False)
    assert analyzer.words(text) == split_words(normalise(text))
    assert analyzer.words(text) == split_words(normalise(text))  # the second time from the cache
