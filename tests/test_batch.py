"""tonecls.score_batch: the one scoring function of `score`, its workers, the server and Dask."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import tonecls
from tonecls.cli import cli
from tonecls.errors import ToneclsError
from tonecls.model_file import load_model
from tonecls.output import json_line

from .conftest import TINY


def test_score_batch_rows_are_the_rows_score_writes(tmp_path):
    rows_in = [
        {"id": f"r{i}", "text": t, "actor": "X" if i % 2 else "", "date": None if i % 3 else "2024-01-01"}
        for i, (t, _) in enumerate(TINY)
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows_in))
    written = CliRunner().invoke(cli, ["score", str(src)]).stdout.splitlines()
    meta = [{k: v for k, v in r.items() if k != "text"} for r in rows_in]
    rows = tonecls.score_batch(tonecls.load_model(), [r["text"] for r in rows_in], meta)
    assert [json_line(r) for r in rows] == written


def test_score_batch_without_meta_gives_tones_scores_and_text():
    rows = tonecls.score_batch(load_model(), ["We condemn the attack.", "We call for calm."])
    assert [sorted(r) for r in rows] == [["scores", "text", "tones"]] * 2
    assert tonecls.score_batch(load_model(), []) == []


def test_score_batch_refuses_what_it_cannot_score():
    model = load_model()
    with pytest.raises(ToneclsError, match="text 1 is int, not a string"):
        tonecls.score_batch(model, ["ok", 5])
    with pytest.raises(ToneclsError, match="2 texts but 1 meta entries"):
        tonecls.score_batch(model, ["a", "b"], [{}])


def test_score_batch_is_exported_and_documented():
    assert "score_batch" in tonecls.__all__
    assert "exactly as `tonecls score` writes it" in tonecls.score_batch.__doc__
