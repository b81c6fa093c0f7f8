"""Parquet in and out for `tonecls score`."""

from __future__ import annotations

import datetime
import json
import sys

import pytest
from click.testing import CliRunner

from tonecls.cli import cli

from .conftest import TINY

pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (pip install 'tonecls[parquet]')")
pq = pytest.importorskip("pyarrow.parquet")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def write_parquet(path, columns: dict, row_group_size: int = 4):
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path


def test_parquet_rows_score_as_the_same_rows_in_jsonl(tmp_path):
    texts = [t for t, _ in TINY]
    ids = [f"p{i}" for i in range(len(texts))]
    src = write_parquet(tmp_path / "in.parquet", {"ID": ids, "Text": texts, "actor": ["X"] * len(texts)})
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"id": i, "text": t, "actor": "X"}) + "\n" for i, t in zip(ids, texts, strict=True))
    )
    from_parquet, from_jsonl = run("score", src), run("score", jsonl)
    assert from_parquet.exit_code == 0, from_parquet.output
    assert from_parquet.stdout == from_jsonl.stdout and len(from_parquet.stdout.splitlines()) == len(texts)


def test_bad_parquet_rows_are_reported_by_row_and_skipped(tmp_path):
    src = write_parquet(
        tmp_path / "in.parquet",
        {
            "text": ["We condemn the attack.", None, "   ", "We call for calm.", "x" * 1_000_001, "Bad\x00text"],
            "date": [datetime.date(2024, 1, 16), None, None, None, None, None],
            "speaker": ["A", "B", "C", None, "E", "F"],
        },
        row_group_size=2,
    )
    result = run("score", src)
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == [f"{src}:1", f"{src}:4"]
    assert rows[0]["date"] == "2024-01-16" and rows[0]["speaker"] == "A" and "speaker" not in rows[1]
    assert f"{src}:2: skipped: missing or empty 'text'" in result.stderr
    assert f"{src}:3: skipped: missing or empty 'text'" in result.stderr
    assert f"{src}:5: skipped: too long for one statement" in result.stderr
    assert f"{src}:6: skipped: 'text' holds a NUL character" in result.stderr
    assert result.stderr.splitlines()[-1] == "scored 2 statements; skipped 4 inputs"


def test_a_non_string_text_column_is_skipped_row_by_row(tmp_path):
    src = write_parquet(tmp_path / "n.parquet", {"text": [1, 2]})
    result = CliRunner().invoke(cli, ["score", str(src)])
    assert result.exit_code == 1
    assert f"{src}:1: skipped: 'text' must be a string, not int" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Parquet file has no 'text' column (columns: body)"),
        (b"not parquet at all", "not a readable Parquet file"),
    ],
)
def test_an_unusable_parquet_file_is_one_skip(tmp_path, content, message):
    src = tmp_path / "bad.parquet"
    if content is None:
        write_parquet(src, {"body": ["x"]})
    else:
        src.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text("We condemn the attack.")
    result = run("score", src, good)
    assert result.exit_code == 0
    assert f"{src}: skipped: {message}" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_score_writes_parquet_with_the_rows_of_jsonl(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": "We condemn the attack.", "actor": "X", "date": 2024})
        + "\n"
        + json.dumps({"id": "b", "text": "We call for restraint and dialogue."})
        + "\n"
    )
    out = tmp_path / "out.parquet"
    result = run("score", src, "--out", out)
    # the year alone is not an ISO date: scored, carried as text, and warned about (--date-format)
    assert result.exit_code == 0
    assert f"scored 2 statements to {out}; skipped 0 inputs; 1 dates not read" in result.stderr
    table = pq.read_table(out)
    assert table.column_names == [
        "id",
        "tones",
        "score_condemnation",
        "score_conciliation",
        "score_threat",
        "score_sovereignty",
        "actor",
        "date",
        "speaker",
        "note",
        "text",
    ]
    rows = [json.loads(line) for line in run("score", src).stdout.splitlines()]
    got = table.to_pylist()
    assert [r["id"] for r in got] == ["a", "b"]
    assert got[0]["date"] == "2024" and got[1]["actor"] is None  # carried fields are text in Parquet
    for row, parquet_row in zip(rows, got, strict=True):
        assert parquet_row["tones"] == row["tones"] and parquet_row["text"] == row["text"]
        assert {t: parquet_row[f"score_{t}"] for t in row["scores"]} == row["scores"]
    again = run("score", src, "--out", out)
    assert again.exit_code == 1 and "already exists; use --force" in again.output


def test_parquet_output_of_nothing_leaves_no_file(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(cli, ["score", str(tmp_path / "empty.txt"), "--out", str(out)])
    assert result.exit_code == 1 and not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "empty.txt"]


def test_without_pyarrow_parquet_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "We condemn it."}\n')
    result = CliRunner().invoke(cli, ["score", str(src), "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 1
    assert result.output == "Error: Parquet needs pyarrow: pip install 'tonecls[parquet]'\n"
    (tmp_path / "x.parquet").write_bytes(b"PAR1")
    result = CliRunner().invoke(cli, ["score", str(tmp_path / "x.parquet"), str(src)])
    assert result.exit_code == 0
    assert f"{tmp_path / 'x.parquet'}: skipped: Parquet needs pyarrow: pip install 'tonecls[parquet]'" in result.output


def test_a_folder_output_needs_dask(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "We condemn it."}\n')
    result = CliRunner().invoke(cli, ["score", str(src), "--out", f"{tmp_path}/parts/"])
    assert result.exit_code == 1 and "a folder of Parquet parts is written with --dask" in result.output
