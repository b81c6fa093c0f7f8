"""Inputs cut into parts that another process (or machine) reads and scores on its own.

`score --jobs` and `score --dask` both hand out parts, not statements: the
parent only plans the parts (counting lines, at disk speed) and writes what
comes back, so it never becomes the bottleneck; a worker reads its part with
the same readers as `tonecls score`, scores it with `score_batch` and renders
its rows. The results, taken in order, are byte for byte those of one process,
with the same skipped rows reported in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tonecls.readers import SPAN_BYTES, Span, plan_spans, shown_path, walk_files
from tonecls.score import (
    TABLE_SUFFIXES,
    TEXT_SUFFIXES,
    Item,
    Note,
    Skip,
    Summary,
    iter_table,
    iter_text_file,
    render_rows,
    score_items,
)

FILES_PER_PART = 2048  # text files of a folder in one part
RENDER_ROWS = 4096  # rows a worker renders at a time


@dataclass(frozen=True)
class Part:
    """A span of one JSONL, CSV or Parquet file, or a group of text files (one statement each)."""

    path: str | None = None
    span: Span | None = None
    texts: tuple[str, ...] = ()


def plan_parts(inputs: Iterable[str], part_bytes: int = SPAN_BYTES) -> Iterator[Part | Skip]:
    """The parts of the inputs (files and folders, not '-'), in input order, with a Skip for an unreadable input."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            yield from _folder_parts(path)
        elif not path.exists():
            yield Skip(shown_path(path), "no such file or folder")
        elif path.suffix.lower() in TABLE_SUFFIXES:
            for span in plan_spans(path, part_bytes):
                yield Part(str(path), span)
        else:
            yield Part(texts=(str(path),))


def _folder_parts(folder: Path) -> Iterator[Part | Skip]:
    group: list[str] = []
    for found in walk_files(folder, TEXT_SUFFIXES):
        if isinstance(found, Path):
            group.append(str(found))
            if len(group) < FILES_PER_PART:
                continue
        if group:
            yield Part(texts=tuple(group))
            group = []
        if not isinstance(found, Path):
            yield Skip(found.path or shown_path(folder), found.message)
    if group:
        yield Part(texts=tuple(group))


def part_entries(part: Part) -> Iterator[Item | Skip | Note]:
    """What `tonecls score` reads from the inputs of one part, in the same order and with the same names."""
    if part.path is not None:
        yield from iter_table(Path(part.path), part.span)
    for text_file in part.texts:
        yield from iter_text_file(Path(text_file))


@dataclass
class PartResult:
    """A scored part: its rendered rows (None when it has none), how many, and its skips and notes in order."""

    payload: Any
    scored: int
    events: list[Skip | Note] = field(default_factory=list)


def score_part_with(model, part: Part | Skip, fmt: str, raw_cells: bool = False) -> PartResult:
    """Read one part, score it, render its rows a chunk at a time (a worker never holds a part's rows as dicts).

    A Skip planned by the parent comes back as it went, so that it is
    reported in its place among the parts.
    """
    if isinstance(part, Skip):
        return PartResult(None, 0, [part])
    summary = Summary()
    events: list[Skip | Note] = []
    pieces = []
    rows: list[dict] = []
    for row in score_items(model, part_entries(part), summary, on_skip=events.append):
        rows.append(row)
        if len(rows) == RENDER_ROWS:
            pieces.append(render_rows(rows, fmt, raw_cells=raw_cells))
            rows = []
    if rows:
        pieces.append(render_rows(rows, fmt, raw_cells=raw_cells))
    return PartResult(_joined(pieces, fmt) if pieces else None, summary.scored, events)


def _joined(pieces: list, fmt: str) -> Any:
    if fmt == "parquet":
        import pyarrow as pa

        return pa.concat_tables(pieces)
    return "".join(pieces)


def take(result: PartResult, summary: Summary, on_skip) -> Iterator[Any]:
    """Count a part's result into ``summary``, report its skips and notes, and give its payload if it has one."""
    for event in result.events:
        (summary.skipped if isinstance(event, Skip) else summary.notes).append(event)
        if on_skip:
            on_skip(event)
    summary.scored += result.scored
    if result.payload is not None:
        yield result.payload
