"""A report on scored statements: tone over time per actor, typical statements, and what was left out.

It reads what `tonecls score` wrote, so a report can be rebuilt without
scoring again. matplotlib is imported only here, and only through its
object-oriented API with the Agg canvas: no pyplot, no global backend switch.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tonecls.atomic import atomic_write, check_folder, check_writable, write_atomic
from tonecls.errors import InputError, ToneclsError
from tonecls.output import restore_cell
from tonecls.readers import iter_records, regular_file, shown_path
from tonecls.report_html import render_report
from tonecls.score import TEXT_CELLS, Skip
from tonecls.tones import COLOURS, TONES

WEEKLY_AFTER_DAYS = 60  # a longer span is binned by week, so that the lines stay readable
PANELS_PER_FIGURE = 12
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*)?")
_LINESTYLES = {"condemnation": "-", "conciliation": "-", "threat": "--", "sovereignty": ":"}


@dataclass
class ReportSummary:
    """What went into the report, for the command to print."""

    out: Path
    statements: int
    on_timeline: int
    apart: int
    actors: int
    bin: str
    problems: int
    pngs: list[Path] = field(default_factory=list)
    date_note: str | None = None  # why dates kept statements off the timeline, when they did


def read_scored(paths: Iterable[str | os.PathLike]) -> tuple[list[dict], list[str]]:
    """Rows of `tonecls score` output (CSV, TSV, XLSX or JSONL), and "file:line: skipped: reason" for each line
    skipped.

    A missing, unreadable or empty file is an error: it is never a report of nothing.
    """
    rows: list[dict] = []
    problems: list[str] = []
    paths = [Path(p) for p in paths]
    if not paths:
        raise ToneclsError("no scored file given; make one with `tonecls score INPUTS --out scores.jsonl`")
    for path in paths:
        if not path.exists():
            raise InputError("no such file", shown_path(path))
        regular_file(path)
        before = len(rows) + len(problems)
        is_csv = path.suffix.lower() in (".csv", ".tsv")
        for line, record in iter_records(path):
            where = f"{shown_path(path)}:{line}"
            if isinstance(record, InputError):
                problems.append(str(Skip(where, record.message)))
                continue
            if is_csv:  # `score` guarded these cells against spreadsheet formulas: read back what it was given
                record = {
                    k: restore_cell(v) if k in TEXT_CELLS and isinstance(v, str) else v for k, v in record.items()
                }
            try:
                rows.append(scored_row(record, where))
            except ValueError as exc:
                problems.append(str(Skip(where, str(exc))))
        if len(rows) + len(problems) == before:
            expected = "expected the output of `tonecls score` (CSV, TSV, XLSX or JSONL)"
            raise InputError(f"empty file; {expected}", shown_path(path))
    if not rows:
        raise ToneclsError(f"nothing to report: every row was skipped (first: {problems[0]})")
    return rows, problems


def scored_row(record: dict, where: str) -> dict:
    """One row of score output, checked: scores for every tone in [0, 1], tone names known, a text."""
    if isinstance(record.get("scores"), dict):
        raw_scores = record["scores"]
    else:
        raw_scores = {t: record.get(f"score_{t}") for t in TONES}
    scores = {}
    for tone in TONES:
        value = raw_scores.get(tone)
        try:
            scores[tone] = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"no score for {tone}; is this the output of `tonecls score`?") from None
        if not 0.0 <= scores[tone] <= 1.0:
            raise ValueError(f"score for {tone} is {value}, not a probability")
    tones = record.get("tones", [])
    if isinstance(tones, str):
        tones = [t.strip() for t in tones.split(";") if t.strip()]
    if not isinstance(tones, list) or not all(t in TONES for t in tones):
        raise ValueError(f"tones {tones!r} are not among {', '.join(TONES)}")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("no 'text'")
    actor, speaker, raw_date = (_field(record, k) for k in ("actor", "speaker", "date"))
    found = _DATE_RE.fullmatch(raw_date or "")
    try:
        day = date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        day = None
    return {
        "id": _field(record, "id") or where,
        "tones": tones,
        "scores": scores,
        "actor": actor,
        "date": day,
        "date_text": raw_date,
        "speaker": speaker,
        "text": text,
        "where": where,
    }


def _field(record: dict, key: str) -> str | None:
    value = record.get(key)
    return None if value is None or not str(value).strip() else str(value).strip()


def left_out_reason(row: dict) -> str | None:
    """Why a row is not on the timeline, or None when it is."""
    reasons = []
    if row["actor"] is None:
        reasons.append("no actor")
    if row["date"] is None:
        reasons.append("no date" if row["date_text"] is None else f"date {row['date_text']!r} is not YYYY-MM-DD")
    return "; ".join(reasons) or None


def date_note(rows: Sequence[dict]) -> str | None:
    """Why dates keep statements off the timeline, in one line for the top of the report and stderr; or None.

    Said first, not only in the list at the bottom: a timeline left empty by
    dates written 23/05/2024 otherwise looks like a report with nothing in it.
    """
    from tonecls.dates import suggest_format

    unreadable = [r for r in rows if r["date"] is None and r["date_text"] is not None]
    if unreadable:
        first = unreadable[0]
        suggestion = suggest_format(first["date_text"])
        fix = f"--date-format {suggestion}" if suggestion else "--date-format (a strptime format)"
        return (
            f"{len(unreadable):,} of {len(rows):,} statements have a date that is not YYYY-MM-DD"
            f" (first: {first['where']} {first['date_text']!r}), so they are not on the timeline;"
            f" score them again with {fix}"
        )
    if not any(r["date"] is not None for r in rows):
        return (
            "no statement has a date, so nothing is drawn over time;"
            " score a table with a 'date' column (YYYY-MM-DD, or give --date-format)"
        )
    return None


def time_bins(days: Sequence[date]) -> tuple[str, Callable[[date], date]]:
    """Bin by "day", or by "week" (starting on Monday) when the dates span more than ~60 days."""
    if (max(days) - min(days)).days > WEEKLY_AFTER_DAYS:
        return "week", lambda d: d - timedelta(days=d.weekday())
    return "day", lambda d: d


def tone_over_time(rows: Sequence[dict]) -> tuple[str, dict[str, dict[date, dict]]]:
    """Per actor, per day or week: the number of statements and the share of them that have each tone.

    A statement has a tone when `tonecls score` put it in its tones (its probability reached the tone's
    threshold). The share is drawn rather than the mean probability: a mean of probabilities reads as a
    rate only when they are calibrated, while the share is what an analyst would count by hand.
    """
    unit, bin_of = time_bins([r["date"] for r in rows])
    sums: dict[str, dict[date, list]] = defaultdict(lambda: defaultdict(lambda: [0, dict.fromkeys(TONES, 0)]))
    for row in rows:
        cell = sums[row["actor"]][bin_of(row["date"])]
        cell[0] += 1
        for tone in row["tones"]:
            cell[1][tone] += 1
    series = {
        actor: {day: {"n": n, **{t: total[t] / n for t in TONES}} for day, (n, total) in sorted(by_bin.items())}
        for actor, by_bin in sums.items()
    }
    return unit, series


def actor_tables(rows: Sequence[dict], *, top: int = 3) -> dict[str, dict[str, dict]]:
    """Per actor and tone: how many statements have the tone, and the ``top`` most probable of them."""
    by_actor: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["actor"] is not None:
            by_actor[row["actor"]].append(row)
    tables = {}
    for actor in sorted(by_actor, key=lambda a: (-len(by_actor[a]), a)):
        actor_rows = by_actor[actor]
        tables[actor] = {"n": len(actor_rows)}
        for tone in TONES:
            with_tone = [r for r in actor_rows if tone in r["tones"]]
            typical = sorted(with_tone, key=lambda r: (-r["scores"][tone], r["date"] or date.max, r["id"]))[:top]
            tables[actor][tone] = {"count": len(with_tone), "typical": typical}
    return tables


def draw_timelines(unit: str, series: dict[str, dict[date, dict]]) -> list[bytes]:
    """PNG images of small multiples, one panel per actor on a shared time axis, 12 panels per image."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        from matplotlib.figure import Figure
    except ImportError:
        raise ToneclsError("the report draws with matplotlib: pip install matplotlib") from None

    actors = sorted(series, key=lambda a: (-sum(c["n"] for c in series[a].values()), a))
    days = [d for s in series.values() for d in s]
    pad = timedelta(days=1 if unit == "day" else 4)
    span = (min(days) - pad, max(days) + pad)
    images = []
    for start in range(0, len(actors), PANELS_PER_FIGURE):
        group = actors[start : start + PANELS_PER_FIGURE]
        cols = 1 if len(group) <= 3 else 2
        rows = math.ceil(len(group) / cols)
        fig = Figure(figsize=(6.2 * cols, 0.6 + 2.1 * rows), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
        for ax, actor in zip(axes, group, strict=False):
            cells = series[actor]
            xs = list(cells)
            n = sum(c["n"] for c in cells.values())
            for tone in TONES:
                ax.plot(
                    xs,
                    [cells[d][tone] for d in xs],
                    _LINESTYLES[tone],
                    color=COLOURS[tone],
                    marker="o",
                    markersize=3.5,
                    linewidth=1.8,
                    label=tone,
                )
            for d in xs:  # how many statements each point stands for, in a band above the shares
                ax.text(d, 1.1, str(cells[d]["n"]), ha="center", va="center", fontsize=6.5, color="#5f6b7a")
            ax.set_title(f"{actor} ({n} statement{'s' if n != 1 else ''})", fontsize=10, loc="left")
            ax.set_ylim(0, 1.18)
            ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
            ax.set_xlim(*span)
            ax.grid(True, color="#e3e6ea", linewidth=0.7)
            ax.spines[["top", "right"]].set_visible(False)
            locator = AutoDateLocator(minticks=3, maxticks=7)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        for ax in axes[len(group) :]:
            ax.set_visible(False)
        for ax in axes[::cols]:
            ax.set_ylabel(f"share with the tone\n(top: statements that {unit})", fontsize=8)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper center", ncols=len(TONES), frameon=False, fontsize=9)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
        images.append(buf.getvalue())
    return images


def build_report(
    rows: Sequence[dict],
    *,
    out: str | os.PathLike,
    png_dir: str | os.PathLike | None = None,
    problems: Sequence[str] = (),
    sources: Sequence[str] = (),
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ReportSummary:
    """Write one self-contained HTML report (and the figures as PNG files in ``png_dir``)."""

    note = progress or (lambda message: None)
    if not rows:
        raise ToneclsError("nothing to report: no scored statements")
    out = check_writable(out, overwrite=overwrite)  # now, not after drawing every figure
    if png_dir is not None:
        check_png_folder(Path(png_dir))
    timeline = [r for r in rows if left_out_reason(r) is None]
    apart = [r for r in rows if left_out_reason(r) is not None]
    unit, series = tone_over_time(timeline) if timeline else ("day", {})
    note(f"drawing {len(series)} actors over time")
    images = draw_timelines(unit, series) if series else []
    note("writing tables")
    warning = date_note(rows)
    html = render_report(
        warning=warning,
        images=images,
        unit=unit,
        tables=actor_tables(rows),
        apart=[(r, left_out_reason(r)) for r in apart],
        problems=problems,
        sources=sources,
        counts={"statements": len(rows), "timeline": len(timeline), "apart": len(apart), "actors": len(series)},
    )
    write_atomic(out, lambda fh: fh.write(html), overwrite=overwrite)
    pngs = write_pngs(images, Path(png_dir)) if png_dir is not None else []
    note(f"wrote {out}")
    return ReportSummary(out, len(rows), len(timeline), len(apart), len(series), unit, len(problems), pngs, warning)


def write_pngs(images: Sequence[bytes], folder: Path) -> list[Path]:
    """The figures as tone-over-time.png (tone-over-time-1.png, -2 ... when there are more), written atomically."""
    check_png_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToneclsError(f"{folder}: {exc.strerror or exc}") from None
    paths = []
    for i, image in enumerate(images, start=1):
        path = folder / ("tone-over-time.png" if len(images) == 1 else f"tone-over-time-{i}.png")
        with atomic_write(path, "wb", overwrite=True) as fh:
            fh.write(image)
        paths.append(path)
    return paths


def check_png_folder(folder: Path) -> None:
    """The --png folder is a folder, or can be made, and takes new files."""
    if folder.exists() and not folder.is_dir():
        raise ToneclsError(f"{folder}: not a folder; --png takes a folder to write the figures to")
    check_folder(folder, make=True)
