"""The out-of-vocabulary note: a statement in another language is flagged, not scored with confidence."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tonecls.cli import cli
from tonecls.coverage import MIN_KNOWN_SHARE, WordCoverage, coverage_note, known_words, model_words

FRENCH = "Nous condamnons fermement cette violation inacceptable de notre souveraineté."
ENGLISH = "We condemn the attack on our territory."


def test_known_words_counts_words_not_punctuation_or_numbers():
    assert known_words("We, the 3 parties, agree.", {"we", "agree"}) == (2, 4)


def test_the_note_appears_below_the_threshold_only():
    known = {"we", "condemn", "the", "attack"}
    assert coverage_note("We condemn the attack.", known) == {}
    note = coverage_note("Nous condamnons l'attaque.", known)
    assert note["known_words"] < MIN_KNOWN_SHARE and "English" in note["note"]
    assert coverage_note("1234 !", known)["known_words"] == 0.0  # no words at all


def test_classify_json_carries_the_note_and_the_text_output_says_it(tiny_model_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["classify", "--json", FRENCH])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert "English" in result["note"] and result["known_words"] < MIN_KNOWN_SHARE
    text = runner.invoke(cli, ["classify", FRENCH])
    assert "note: few words the model knows" in text.output
    english = json.loads(runner.invoke(cli, ["classify", "--json", ENGLISH]).output)
    assert "note" not in english and "known_words" not in english


def test_score_rows_carry_the_note_in_jsonl_and_csv(tiny_model_path, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "fr", "text": FRENCH}) + "\n" + json.dumps({"id": "en", "text": ENGLISH}) + "\n")
    runner = CliRunner()
    out = runner.invoke(cli, ["score", "-q", str(src)])
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert "English" in rows[0]["note"] and "note" not in rows[1]
    csv_out = tmp_path / "out.csv"
    assert runner.invoke(cli, ["score", "-q", str(src), "--out", str(csv_out)]).exit_code == 0
    header, fr, en = csv_out.read_text().splitlines()
    assert header.split(",")[-2:] == ["note", "text"]
    assert "few words the model knows" in fr and "few words" not in en


SHIPPED_WORDS = ["we", "condemn", "the", "attack", "Iran", "'s", "don’t", "“calm”", "Nous", "condamnons", "中文"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(SHIPPED_WORDS), st.text(alphabet="aéz’'.,;-0 \t\n", max_size=8)), max_size=12
    ).map(" ".join)
)
def test_the_scoring_path_counts_known_words_as_the_note_does(shipped_predictor, text):
    """`score` takes the counts from the pieces of text the feature path splits anyway: they must be the counts
    `classify` and every other path compute (and the probabilities those of `predict_proba`)."""
    probs, packed = shipped_predictor.predict_proba_with_coverage([text, "We condemn it."])
    assert packed is not None
    reference = WordCoverage(model_words(shipped_predictor))
    assert [int(p) for p in packed] == [reference._packed(text), reference._packed("We condemn it.")]
    assert np.array_equal(probs, shipped_predictor.predict_proba([text, "We condemn it."]))


@pytest.fixture(scope="module")
def shipped_predictor():
    from tonecls.model_file import load_predictor, shipped_model_path

    return load_predictor(shipped_model_path())
