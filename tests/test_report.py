"""The report: reading score output, tone over time per actor, typical statements, rows left apart."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from pathlib import Path

import pytest

from tonecls.errors import InputError, ToneclsError
from tonecls.report import actor_tables, build_report, read_scored, time_bins, tone_over_time
from tonecls.score import write_rows

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def scored(i: int, probs: tuple[float, float, float, float], tones: list[str], **meta) -> dict:
    """One row as `tonecls score` writes it."""
    names = ("condemnation", "conciliation", "threat", "sovereignty")
    return {
        "id": f"s{i}",
        "tones": tones,
        "scores": dict(zip(names, probs, strict=True)),
        **meta,
        "text": meta.pop("text", f"Statement number {i}."),
    }


ROWS = [
    scored(1, (0.2, 0.7, 0.1, 0.2), ["conciliation"], actor="Pakistan", date="2024-01-16", speaker="Foreign Office"),
    scored(2, (0.8, 0.1, 0.6, 0.5), ["condemnation", "threat"], actor="Pakistan", date="2024-01-18", speaker="FO"),
    scored(3, (0.9, 0.1, 0.8, 0.7), ["condemnation", "threat", "sovereignty"], actor="Pakistan", date="2024-01-18"),
    scored(4, (0.6, 0.2, 0.3, 0.2), ["condemnation"], actor="Pakistan", date="2024-01-20", speaker="PM"),
    scored(5, (0.1, 0.9, 0.1, 0.1), ["conciliation"], actor="Iran", date="2024-01-17", speaker="Foreign Ministry"),
    scored(6, (0.7, 0.2, 0.9, 0.4), ["condemnation", "threat"], actor="Iran", date="2024-01-19"),
    scored(7, (0.95, 0.1, 0.2, 0.3), ["condemnation"], actor="Iran", text="<script>alert(1)</script> & more"),
    scored(8, (0.1, 0.8, 0.1, 0.1), ["conciliation"], date="2024-01-19", speaker="UN spokesperson"),
    scored(9, (0.1, 0.2, 0.1, 0.9), ["sovereignty"], actor="China", date="19/01/2024"),
]


def write_jsonl(path: Path, rows: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "".join(extra_lines), encoding="utf-8")
    return path


@pytest.fixture
def scores_jsonl(tmp_path) -> Path:
    return write_jsonl(tmp_path / "scores.jsonl", ROWS)


def test_read_jsonl_and_csv_alike(tmp_path, scores_jsonl):
    csv_path = tmp_path / "scores.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        write_rows(ROWS, fh, "csv")
    from_jsonl, problems_jsonl = read_scored([scores_jsonl])
    from_csv, problems_csv = read_scored([csv_path])
    assert problems_jsonl == problems_csv == []
    assert len(from_jsonl) == len(ROWS)
    strip = [{k: v for k, v in r.items() if k != "where"} for r in from_csv]
    assert strip == [{k: v for k, v in r.items() if k != "where"} for r in from_jsonl]
    first = from_jsonl[0]
    assert first["date"] == date(2024, 1, 16) and first["actor"] == "Pakistan" and first["speaker"] == "Foreign Office"
    assert first["where"] == f"{scores_jsonl}:1"
    assert from_csv[1]["tones"] == ["condemnation", "threat"]


def test_bad_lines_are_reported_with_file_and_line_and_skipped(tmp_path):
    path = write_jsonl(
        tmp_path / "s.jsonl",
        ROWS[:2],
        ('{"id": "broken", "tones": [\n', '{"id": "x", "tones": [], "text": "no scores"}\n', "[1, 2]\n"),
    )
    rows, problems = read_scored([path])
    assert [r["id"] for r in rows] == ["s1", "s2"]
    assert problems == [
        f"{path}:3: skipped: invalid JSON (Expecting value at column 28)",
        f"{path}:4: skipped: no score for condemnation; is this the output of `tonecls score`?",
        f"{path}:5: skipped: expected a JSON object, got list",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scores": {"condemnation": 2, "conciliation": 0, "threat": 0, "sovereignty": 0}}, "not a probability"),
        ({"tones": ["threats"]}, "tones ['threats'] are not among"),
        ({"text": None}, "no 'text'"),
    ],
)
def test_rows_that_are_not_score_output_are_problems(tmp_path, change, message):
    path = write_jsonl(tmp_path / "s.jsonl", [ROWS[0], {**ROWS[1], **change}])
    rows, problems = read_scored([path])
    assert len(rows) == 1
    assert len(problems) == 1 and problems[0].startswith(f"{path}:2: skipped: ") and message in problems[0]


def test_an_empty_file_is_an_error(tmp_path, scores_jsonl):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty.jsonl: empty file; expected the output of `tonecls score`"):
        read_scored([scores_jsonl, empty])


def test_a_missing_file_or_no_usable_row_is_an_error(tmp_path):
    with pytest.raises(InputError, match=r"nope.jsonl: no such file"):
        read_scored([tmp_path / "nope.jsonl"])
    bad = write_jsonl(tmp_path / "bad.jsonl", [], ("not json\n",))
    with pytest.raises(ToneclsError, match=r"nothing to report: every row was skipped \(first: .*bad.jsonl:1: skipped"):
        read_scored([bad])


def test_tone_over_time_is_the_share_with_each_tone_per_actor_and_day(scores_jsonl):
    rows, _ = read_scored([scores_jsonl])
    dated = [r for r in rows if r["actor"] and r["date"]]
    unit, series = tone_over_time(dated)
    assert unit == "day"
    assert sorted(series) == ["Iran", "Pakistan"]
    day = series["Pakistan"][date(2024, 1, 18)]
    assert day["n"] == 2
    # both statements have condemnation and threat, one has sovereignty (its 0.5 score reached the threshold)
    assert day["condemnation"] == 1.0 and day["threat"] == 1.0
    assert day["sovereignty"] == 0.5 and day["conciliation"] == 0.0
    assert list(series["Pakistan"]) == [date(2024, 1, 16), date(2024, 1, 18), date(2024, 1, 20)]


def test_long_spans_are_binned_by_week():
    assert time_bins([date(2024, 1, 1), date(2024, 2, 29)])[0] == "day"
    unit, bin_of = time_bins([date(2024, 1, 1), date(2024, 3, 15)])
    assert unit == "week"
    assert bin_of(date(2024, 1, 18)) == date(2024, 1, 15)  # a Thursday goes to its Monday


def test_actor_tables_count_tones_and_pick_the_most_probable(scores_jsonl):
    rows, _ = read_scored([scores_jsonl])
    tables = actor_tables(rows, top=2)
    assert list(tables) == ["Pakistan", "Iran", "China"]  # most statements first
    condemnation = tables["Pakistan"]["condemnation"]
    assert condemnation["count"] == 3
    assert [r["id"] for r in condemnation["typical"]] == ["s3", "s2"]
    assert tables["Iran"]["condemnation"]["typical"][0]["id"] == "s7"  # undated, but it names an actor
    assert tables["Pakistan"]["conciliation"]["count"] == 1


def test_report_html(tmp_path, scores_jsonl):
    rows, problems = read_scored([scores_jsonl])
    out = tmp_path / "report.html"
    messages: list[str] = []
    summary = build_report(rows, out=out, problems=problems, sources=[str(scores_jsonl)], progress=messages.append)
    assert (summary.statements, summary.on_timeline, summary.apart, summary.actors) == (9, 6, 3, 2)
    assert summary.bin == "day" and summary.pngs == []
    assert messages[-1] == f"wrote {out}"
    html = out.read_text(encoding="utf-8")
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 1 and base64.b64decode(images[0]).startswith(PNG_MAGIC)
    assert '<h3 id="actor-1">Pakistan <span class="muted">(4 statements)</span></h3>' in html
    assert html.count("<table>") == 4  # three actors and the rows left apart
    assert "Statements left off the timeline (3)" in html
    assert "Each line is the share of the actor&#x27;s statements that day that have the tone" in html or (
        "Each line is the share of the actor's statements that day that have the tone" in html
    )
    assert 'alt="Share of statements with each tone per day, one panel per actor"' in html
    assert "no date: 1; no actor: 1; date &#x27;19/01/2024&#x27; is not YYYY-MM-DD: 1" in html
    assert "UN spokesperson" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>" not in html
    assert not re.search(r"(src|href)=\"https?://", html)
    assert sorted(tmp_path.iterdir()) == sorted([scores_jsonl, out])  # no temporary file left behind


def test_problems_are_listed_in_the_report(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", ROWS, ("{oops\n",))
    rows, problems = read_scored([path])
    build_report(rows, out=tmp_path / "r.html", problems=problems)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Lines skipped while reading (1)" in html
    assert f"{path}:10: skipped: invalid JSON" in html


def test_png_files_are_written_with_png_dir(tmp_path, scores_jsonl):
    rows, _ = read_scored([scores_jsonl])
    summary = build_report(rows, out=tmp_path / "r.html", png_dir=tmp_path / "figures" / "new")
    assert summary.pngs == [tmp_path / "figures" / "new" / "tone-over-time.png"]
    assert summary.pngs[0].read_bytes().startswith(PNG_MAGIC)


def test_many_actors_make_several_figures(tmp_path):
    rows = [
        scored(i, (0.5, 0.5, 0.5, 0.5), [], actor=f"Actor {i:02d}", date=f"2024-{1 + i % 12:02d}-01") for i in range(15)
    ]
    path = write_jsonl(tmp_path / "s.jsonl", rows)
    summary = build_report(read_scored([path])[0], out=tmp_path / "r.html", png_dir=tmp_path / "png")
    assert summary.bin == "week"
    assert [p.name for p in summary.pngs] == ["tone-over-time-1.png", "tone-over-time-2.png"]


def test_without_any_dated_statement_there_is_no_figure_but_a_report(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [ROWS[6], ROWS[7]])
    summary = build_report(read_scored([path])[0], out=tmp_path / "r.html")
    assert (summary.on_timeline, summary.apart) == (0, 2)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "nothing to draw" in html and "data:image/png" not in html


def test_an_existing_report_is_kept_without_overwrite(tmp_path, scores_jsonl):
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    rows, _ = read_scored([scores_jsonl])
    with pytest.raises(ToneclsError, match=r"r.html: already exists; use --force to replace it"):
        build_report(rows, out=out)
    assert out.read_text(encoding="utf-8") == "old"
    build_report(rows, out=out, overwrite=True)
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
