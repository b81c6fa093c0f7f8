"""Dates through `score` and `report`: --date-format, a warning at the first unreadable date (issue 14, item 4)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.dates import DateReader, suggest_format

ROWS = [
    ("pk-1", "Pakistan", "16/01/2024", "We strongly condemn this unprovoked attack on our territory."),
    ("ir-1", "Iran", "17/01/2024", "We call on both sides to exercise restraint and return to dialogue."),
    ("pk-2", "Pakistan", "18/01/2024", "Any further provocation will have serious consequences for the aggressor."),
]


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def source(tmp_path, rows=ROWS):
    src = tmp_path / "export.csv"
    src.write_text("id,actor,date,text\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return src


def test_date_format_converts_carried_dates_to_iso(tmp_path):
    result = run("score", str(source(tmp_path)), "--date-format", "%d/%m/%Y")
    assert result.exit_code == 0, result.output
    dates = [json.loads(line)["date"] for line in result.stdout.splitlines()]
    assert dates == ["2024-01-16", "2024-01-17", "2024-01-18"]
    assert "warning" not in result.stderr and "dates not read" not in result.stderr


def test_score_warns_once_at_the_first_unreadable_date_and_counts_them(tmp_path):
    src = source(tmp_path)
    result = run("score", str(src))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert warnings == [
        f"{src}:2: warning: date '16/01/2024' is not YYYY-MM-DD, so `tonecls report` cannot place it in time:"
        " give its format, e.g. --date-format '%d/%m/%Y' (more such dates are only counted)"
    ]
    assert (
        f"scored 3 statements; skipped 0 inputs; 3 dates not read (first: {src}:2 '16/01/2024'; see --date-format)"
        in result.stderr
    )
    assert [json.loads(line)["date"] for line in result.stdout.splitlines()][0] == "16/01/2024"  # kept as it was


def test_a_date_that_does_not_match_the_format_is_warned_about(tmp_path):
    rows = [*ROWS[:2], ("pk-2", "Pakistan", "2024-01-18", ROWS[2][3]), ("x", "Iran", "soon", "We will meet.")]
    result = run("score", str(source(tmp_path, rows)), "--date-format", "%d/%m/%Y")
    assert result.exit_code == 0, result.output
    assert "date 'soon' is not YYYY-MM-DD nor %d/%m/%Y" in result.stderr
    assert "1 dates not read" in result.stderr


@pytest.mark.parametrize("bad", ["dd/mm/yyyy", "%Q"])
def test_a_date_format_without_directives_is_a_usage_error(bad):
    result = run("score", "x.csv", "--date-format", bad)
    assert result.exit_code == 2 and "--date-format" in result.output


def test_report_says_at_the_top_and_on_stderr_why_dates_were_unusable(tmp_path):
    scored = tmp_path / "scores.jsonl"
    assert run("score", str(source(tmp_path)), "--out", str(scored), "-q").exit_code == 0
    out = tmp_path / "report.html"
    result = run("report", str(scored), "--out", str(out))
    assert result.exit_code == 0, result.output
    warning = (
        f"3 of 3 statements have a date that is not YYYY-MM-DD (first: {scored}:1 '16/01/2024'), so they are not on"
        " the timeline; score them again with --date-format '%d/%m/%Y'"
    )
    assert f"warning: {warning}\n" in result.stderr
    html = out.read_text(encoding="utf-8")
    top = html.index('<p class="warning" id="dates">')
    assert top < html.index('<h2 id="timeline">') and top < html.index("scored statements from")
    assert "16/01/2024" in html[top : html.index("</p>", top)]


def test_report_of_converted_dates_has_no_warning(tmp_path):
    scored = tmp_path / "scores.jsonl"
    run("score", str(source(tmp_path)), "--date-format", "%d/%m/%Y", "--out", str(scored), "-q")
    out = tmp_path / "report.html"
    result = run("report", str(scored), "--out", str(out))
    assert result.exit_code == 0 and "warning" not in result.stderr
    assert 'class="warning"' not in out.read_text(encoding="utf-8")


def test_report_without_any_date_says_so_at_the_top(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "We condemn it.", "actor": "A"}) + "\n", encoding="utf-8")
    scored = tmp_path / "scores.jsonl"
    run("score", str(src), "--out", str(scored), "-q")
    result = run("report", str(scored), "--out", str(tmp_path / "r.html"))
    assert "warning: no statement has a date, so nothing is drawn over time" in result.stderr


@pytest.mark.parametrize(
    ("value", "suggested"),
    [
        ("23/05/2024", "'%d/%m/%Y'"),
        ("05/23/2024", "'%m/%d/%Y'"),
        ("05/06/2024", "'%d/%m/%Y' or '%m/%d/%Y'"),
        ("23.05.24", "'%d.%m.%y'"),
        ("2024/05/23", "'%Y/%m/%d'"),
        ("23 May 2024", "'%d %B %Y'"),
        ("23 Sep 2024", "'%d %b %Y'"),
        ("May 23, 2024", "'%B %d, %Y'"),
        ("31/02/2024", None),
        ("next week", None),
    ],
)
def test_suggested_formats_read_the_value_they_are_suggested_for(value, suggested):
    assert suggest_format(value) == suggested


def test_date_reader_keeps_times_of_iso_dates_and_counts_each_unreadable_one():
    reader = DateReader()
    assert reader.read("2024-01-16T10:00:00Z", "a:1") == ("2024-01-16T10:00:00Z", None)
    assert reader.read("2024-02-30", "a:2")[1] is not None
    assert reader.read("x", "a:3") == ("x", None)
    assert (reader.unreadable, reader.first) == (2, ("a:2", "2024-02-30"))
