"""`evaluate --errors`: the misclassified statements, worst first (issue 14, item 7)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tonecls.cli import cli

from .conftest import write_jsonl

LABELED = [
    # right: the tiny model was trained on these words
    {
        "id": "ok-1",
        "text": "We strongly condemn this unprovoked attack on our territory.",
        "labels": ["condemnation", "sovereignty"],
    },
    # wrong on purpose, confidently: a threat labeled as conciliation
    {"id": "bad-1", "text": "They will pay a heavy price if the incursions continue.", "labels": ["conciliation"]},
    # wrong on purpose, a control character in its text
    {"id": "bad-2", "text": "The annual report on fisheries\x1b[2J was published.", "labels": ["threat"]},
]


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def labeled(tmp_path):
    return write_jsonl(tmp_path / "gold.jsonl", LABELED)


def test_errors_as_json_lines_worst_first(tmp_path):
    result = run("evaluate", str(labeled(tmp_path)), "--errors", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["bad-1", "bad-2"]
    assert rows[0]["gap"] >= rows[1]["gap"]
    first = rows[0]
    assert first["gold"] == ["conciliation"] and "threat" in first["predicted"]
    assert first["where"] == f"{tmp_path / 'gold.jsonl'}:2"
    assert first["gap"] == max(abs((t in first["gold"]) - p) for t, p in first["scores"].items())
    assert sorted(first) == ["gap", "gold", "id", "predicted", "scores", "text", "where", "worst"]


def test_errors_as_a_table_with_control_characters_visible(tmp_path):
    result = run("evaluate", str(labeled(tmp_path)), "--errors")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "3 real statements scored; 2 misclassified, the 2 worst first:"
    assert lines[1].split() == ["#", "off", "by", "gold", "predicted", "where"]
    assert lines[2].split()[0] == "1" and "conciliation" in lines[2] and "(bad-1)" in lines[2]
    assert lines[3].strip().startswith("scores: condemnation")
    assert "\x1b" not in result.stdout and "fisheries\\x1b[2J was published." in result.stdout


def test_top_limits_the_list(tmp_path):
    result = run("evaluate", str(labeled(tmp_path)), "--errors", "--top", "1")
    assert "2 misclassified, the 1 worst first:" in result.stdout and "(bad-2)" not in result.stdout
    result = run("evaluate", str(labeled(tmp_path)), "--errors", "--json", "--top", "1")
    assert len(result.stdout.splitlines()) == 1


def test_no_errors_says_so(tmp_path):
    path = write_jsonl(tmp_path / "gold.jsonl", LABELED[:1])
    result = run("evaluate", str(path), "--errors")
    assert (result.exit_code, result.stdout) == (0, "1 real statements scored; 0 misclassified.\n")
