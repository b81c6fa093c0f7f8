"""Output is safe for its reader: no escape sequence reaches a terminal, no formula runs in a spreadsheet,
no CR breaks a CSV row, and JSON never carries a raw control character."""

from __future__ import annotations

import csv
import json
import re

import pytest
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.model_file import load_model, read_meta, save_model
from tonecls.output import csv_line, json_line, restore_cell, safe_cell, to_json, visible
from tonecls.report import read_scored

from ..conftest import tiny_rows, write_jsonl

HOSTILE = "We condemn \x1b]0;pwned\x07 this \x1b[2J attack \x9b31m now."
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # any control but tab and newline


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def assert_safe(text: str) -> None:
    assert not RAW.search(text), repr(RAW.search(text).group())


def test_visible_shows_controls_and_keeps_only_what_it_is_told():
    assert visible(HOSTILE) == "We condemn \\x1b]0;pwned\\x07 this \\x1b[2J attack \\u009b31m now."
    assert visible("a\tb\nc\rd\x7f") == "a\tb\nc\\rd\\x7f"
    assert visible("a\tb\nc", keep="") == "a\\tb\\nc"
    assert visible("caf\udce9 \ud800") == "caf\\xe9 \\ud800"  # an undecodable byte of a name; a lone surrogate
    assert visible("Сирия: ‘مرحبا’ 😀") == "Сирия: ‘مرحبا’ 😀"


def test_json_never_carries_a_raw_control_or_line_break():
    obj = {"t": "a\x00b\x1bc\x7fd\x85e\x9bf\u2028g\u2029h\ud800"}
    for text in (json_line(obj), to_json(obj)):
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]", text.replace("\n", ""))
        text.encode("utf-8")
    assert json.loads(json_line({"t": "a\x85\x9b\x7f"})) == {"t": "a\x85\x9b\x7f"}


def test_classify_lines_shows_escapes_instead_of_running_them():
    result = invoke("classify", "--lines", input=HOSTILE + "\n")
    assert result.exit_code == 0, result.output
    assert_safe(result.output)
    assert "line 1: We condemn \\x1b]0;pwned\\x07 this \\x1b[2J attack \\u009b31m now." in result.output
    result = invoke("classify", "--lines", "--json", input=HOSTILE + "\n")
    assert_safe(result.output)


def test_score_notes_and_jsonl_output_carry_no_raw_control(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a\x9b", "text": HOSTILE}) + "\n" + "{broken \x1b[2J\n", encoding="utf-8")
    result = invoke("score", src)
    assert result.exit_code == 0
    assert_safe(result.stdout)
    assert_safe(result.stderr)
    assert json.loads(result.stdout)["text"] == HOSTILE


def test_suggest_and_audit_show_statements_safely(tmp_path):
    rows = tiny_rows() + [{"id": "x\x1b[2J", "text": HOSTILE, "labels": ["conciliation"]}]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    for args in (["suggest", data, "--n", "30"], ["audit", data, "--folds", "2", "--top", "30"]):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert_safe(result.output)
        assert "We condemn \\x1b]0;pwned\\x07 this" in result.output
        assert "x\\x1b[2J" in result.output


def test_label_shows_the_statement_safely(tmp_path):
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": "p\x1b", "text": HOSTILE, "speaker": "\x9bminister"}])
    result = invoke("label", pool, "--into", tmp_path / "labels.jsonl", "--order", "file", input="q")
    assert result.exit_code == 0, result.output
    assert_safe(result.output)
    assert "[1/1] p\\x1b" in result.output and "speaker: \\u009bminister" in result.output


def test_info_shows_a_hostile_model_card_safely(tmp_path, tiny_model_path):
    meta, _ = read_meta(tiny_model_path)
    card = meta["card"]
    card["training_files"] = [{"path": "labels\x1b]0;pwned\x07.jsonl", "sha256": "0" * 64}]
    card["settings"] = {**card["settings"], "note\x9b": "\x1b[2J"}
    path = save_model(load_model(tiny_model_path), tmp_path / "hostile.model", card)
    result = invoke("info", "--model", path)
    assert result.exit_code == 0, result.output
    assert_safe(result.output)
    assert "labels\\x1b]0;pwned\\x07.jsonl" in result.output
    result = invoke("info", "--model", path, "--json")
    assert_safe(result.output)
    assert json.loads(result.output)["training_files"][0]["path"] == "labels\x1b]0;pwned\x07.jsonl"


def test_errors_and_validate_issues_name_files_safely(tmp_path):
    result = invoke("validate", tmp_path / "nope\x1b[2J.jsonl")
    assert result.exit_code == 1 and result.output == f"Error: {tmp_path}/nope\\x1b[2J.jsonl: no such file or folder\n"
    bad = tmp_path / "bad\x1b]0;x\x07.jsonl"
    bad.write_text('{"text": "We warn them.", "labels": ["threats\\u001b[2J"]}\n', encoding="utf-8")
    result = invoke("validate", bad)
    assert result.exit_code == 1
    assert_safe(result.output)
    assert f"{tmp_path}/bad\\x1b]0;x\\x07.jsonl:1: error: unknown tone" in result.stderr


# ---------------------------------------------------------------- CSV cells

FORMULAS = {
    "id": '=HYPERLINK("http://x")',
    "actor": "+1+1",
    "speaker": "@SUM(A1)",
    "date": "-2+3",
    "text": "\tThe ministry said: =cmd|' /C calc'!A0",
}


def test_score_csv_neutralises_formula_cells_and_report_reads_them_back(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [FORMULAS, {"id": "cr", "text": "-CR\rinside"}])
    out = tmp_path / "out.csv"
    result = invoke("score", src, "--out", out)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    for column, value in FORMULAS.items():
        assert rows[0][column] == "'" + value
    assert rows[1]["text"] == "'-CR\rinside"
    assert all(not rows[0][f"score_{t}"].startswith("'") for t in ("condemnation", "threat"))
    scored, problems = read_scored([out])
    assert problems == []
    assert scored[0]["id"] == FORMULAS["id"] and scored[0]["text"] == FORMULAS["text"]
    assert scored[0]["actor"] == FORMULAS["actor"] and scored[0]["speaker"] == FORMULAS["speaker"]
    raw = tmp_path / "raw.csv"
    assert invoke("score", src, "--out", raw, "--raw-cells").exit_code == 0
    rows = list(csv.DictReader(raw.open(encoding="utf-8", newline="")))
    assert {k: rows[0][k] for k in FORMULAS} == FORMULAS


def test_score_help_documents_the_formula_guard():
    result = invoke("score", "--help")
    assert "--raw-cells" in result.output and "formula" in result.output


@pytest.mark.parametrize("text", ["=1", "'=1", "''+x", "'a", "a", "", "-", "\r\n=", "@"])
def test_safe_cell_is_undone_by_restore_cell(text):
    assert restore_cell(safe_cell(text)) == text
    assert not re.match("[=+\\-@\t\r\n]", safe_cell(text))


def test_a_lone_cr_is_quoted_in_csv_output_and_the_file_reads_back(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a\rb.txt").write_text("We condemn\rthe attack.", encoding="utf-8")
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "x\ry", "text": "We call\rfor calm."}])
    out = tmp_path / "out.csv"
    result = invoke("score", folder, src, "--out", out)
    assert result.exit_code == 0, result.output
    assert b'"x\ry"' in out.read_bytes() and b'"We call\rfor calm."' in out.read_bytes()
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == 3 and all(len(r) == len(rows[0]) for r in rows)
    scored, problems = read_scored([out])
    assert problems == [] and [r["id"] for r in scored] == [f"{folder}/a\\rb.txt", "x\ny"]
    result = invoke("report", out, "--out", tmp_path / "r.html")
    assert result.exit_code == 0 and "skipped 0 lines" in result.output


def test_csv_line_quotes_what_it_must():
    assert csv_line(["a", "b,c", 'd"e', "f\rg", "h\ni", 0.5, None]) == 'a,"b,c","d""e","f\rg","h\ni",0.5,\n'
