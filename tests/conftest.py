"""Shared fixtures: a dozen hand-written statements and a tiny model trained once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tonecls.model import Settings
from tonecls.model_file import save_model
from tonecls.training import train

TINY = [
    ("We strongly condemn this unprovoked attack on our territory.", ["condemnation", "sovereignty"]),
    (
        "The ministry denounced the illegal strike as a blatant violation of its airspace.",
        ["condemnation", "sovereignty"],
    ),
    ("Such reckless acts are unacceptable and we protest in the strongest terms.", ["condemnation"]),
    ("The government deplored the shelling of border villages.", ["condemnation"]),
    ("We call on both sides to exercise restraint and return to dialogue.", ["conciliation"]),
    ("Our brotherly neighbours are partners and we seek calm through diplomacy.", ["conciliation"]),
    ("The two foreign ministers agreed to return their ambassadors and resume talks.", ["conciliation"]),
    ("We welcome the ceasefire and offer to mediate between the parties.", ["conciliation"]),
    ("Any further provocation will have serious consequences for the aggressor.", ["threat"]),
    ("We reserve the right to respond at a time and place of our choosing.", ["threat"]),
    ("Our forces stand ready and will respond decisively to any attack.", ["threat"]),
    ("They will pay a heavy price if the incursions continue.", ["threat"]),
    ("Our sovereignty and territorial integrity are not negotiable.", ["sovereignty"]),
    ("The strike was an act of legitimate self-defence to protect national security.", ["sovereignty"]),
    ("We will defend every inch of our borders and our airspace.", ["sovereignty"]),
    ("Non-interference in our internal affairs is a principle we uphold.", ["sovereignty"]),
    ("The minister will visit the capital next week to discuss trade.", []),
    ("The annual report on fisheries was published on Monday.", []),
    ("Officials met to review customs procedures at the crossing.", []),
    ("The summit will take place in June, the spokesperson said.", []),
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def tiny_rows() -> list[dict]:
    return [{"id": f"t-{i:02d}", "text": text, "labels": labels} for i, (text, labels) in enumerate(TINY, start=1)]


TINY_SETTINGS = Settings(char_ngrams=(3, 4), min_df=1, C=1.0, inner_folds=2)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "tiny.jsonl", tiny_rows())


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory, tiny_data) -> Path:
    result = train([tiny_data], settings=TINY_SETTINGS, folds=2, repeats=1)
    return save_model(result.model, tmp_path_factory.mktemp("model") / "tiny.model", result.card)


@pytest.fixture(autouse=True)
def use_tiny_model(monkeypatch, tiny_model_path):
    monkeypatch.setenv("TONECLS_MODEL", str(tiny_model_path))
