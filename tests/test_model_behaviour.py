"""Statements a new user tried on 0.1 and found embarrassing: what the shipped model says about them now.

Each expectation is what the labeling guide says. The ones the lexical model still gets wrong are marked
``xfail(strict=True)`` with the reason, so that they show in every test run and a fix makes them fail
loudly until the mark is removed; none is skipped silently.
"""

from pathlib import Path

import pytest

from tonecls.model_file import load_model

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "tonecls.model"


@pytest.fixture(scope="module")
def shipped():
    return load_model(SHIPPED)


def tones(model, text: str) -> set[str]:
    return set(model.classify(text)["tones"])


def test_a_weather_forecast_is_not_a_threat(shipped):
    assert tones(shipped, "The spokesperson said the weather in Beijing will be sunny tomorrow.") == set()


@pytest.mark.xfail(strict=True, reason="'calls', 'ceasefire' and 'delivery' still lean to condemnation")
def test_a_call_for_a_ceasefire_without_blame_conciliates_and_does_not_condemn(shipped):
    text = "The European Union calls for an immediate ceasefire and the unhindered delivery of humanitarian aid."
    assert tones(shipped, text) == {"conciliation"}


@pytest.mark.xfail(strict=True, reason="'urge' and 'stop' still add conciliation to the warning")
def test_play_with_fire_is_a_threat_not_an_appeal(shipped):
    text = (
        "We urge the US side to stop arms sales to Taiwan and stop sending wrong signals to separatist forces. "
        "Those who play with fire will get burned."
    )
    found = tones(shipped, text)
    assert "threat" in found and "conciliation" not in found


@pytest.mark.xfail(strict=True, reason="a negated 'condemn' still pushes condemnation up")
def test_not_condemning_anyone_is_not_condemnation(shipped):
    assert tones(shipped, "We do not condemn anyone; we simply call for calm.") == {"conciliation"}


def test_a_statement_in_french_is_flagged_not_scored_with_confidence(shipped):
    result = shipped.classify("Nous condamnons fermement cette violation inacceptable de notre souveraineté.")
    assert result.get("note") and "English" in result["note"]


def test_an_english_statement_gets_no_note(shipped):
    assert "note" not in shipped.classify("We call on both sides to exercise restraint and return to talks.")
