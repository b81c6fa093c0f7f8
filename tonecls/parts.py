"""Inputs cut into parts that another process (or machine) reads and scores on its own.

`score --jobs` and `score --dask` both hand out parts, not statements: the
parent only plans the parts (counting lines, at disk speed) and writes what
comes back, so it never becomes the bottleneck; a worker reads its part with
the same readers as `tonecls score`, scores it with `score_batch` and renders
its rows. The results, taken in order, are byte for byte those of one process,
with the same skipped rows reported in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tonecls import score as score_module
from tonecls.dates import DateReader
from tonecls.errors import ToneclsError
from tonecls.fetch import is_url
from tonecls.readers import SPAN_BYTES, Span, plan_spans, shown_path, walk_files
from tonecls.score import (
    FOLDER_SUFFIXES,
    TABLE_SUFFIXES,
    Item,
    Note,
    ReadOptions,
    Skip,
    Summary,
    Unread,
    iter_source,
    iter_table,
    render_rows,
    score_items,
)

if TYPE_CHECKING:
    from tonecls.predictor import Scorer

FILES_PER_PART = 2048  # text files of a folder in one part
RENDER_ROWS = 4096  # rows a worker renders at a time


@dataclass(frozen=True)
class Part:
    """A span of one table file (JSONL, CSV, TSV, XLSX, Parquet), or a group of files or URLs of one
    statement each (text, HTML, PDF)."""

    path: str | None = None
    span: Span | None = None
    texts: tuple[str, ...] = ()


def plan_parts(
    inputs: Iterable[str], part_bytes: int = SPAN_BYTES, options: ReadOptions | None = None
) -> Iterator[Part | Skip | Unread]:
    """The parts of the inputs (files, folders and URLs, not '-'), in input order, with a Skip for an
    unreadable input and an Unread for a file of a folder that is not read.

    A table is cut only when read as UTF-8 with its own delimiter: with --encoding or --delimiter it is one
    part (so is a TSV or XLSX file, see `plan_spans`). A URL, an HTML or PDF file is one statement, like a
    text file.
    """
    options = options or ReadOptions()
    cut = options.encoding is None and options.delimiter is None
    for raw in inputs:
        path = Path(raw)
        if is_url(raw):
            yield Part(texts=(raw,))
        elif path.is_dir():
            yield from _folder_parts(path)
        elif not path.exists():
            yield Skip(shown_path(path), "no such file or folder")
        elif path.suffix.lower() in TABLE_SUFFIXES:
            for span in plan_spans(path, part_bytes) if cut else [Span()]:
                yield Part(str(path), span)
        else:
            yield Part(texts=(str(path),))


def _folder_parts(folder: Path) -> Iterator[Part | Skip | Unread]:
    """The files of a folder in groups, in the order `tonecls score` reads them (Unread where it counts one)."""
    group: list[str] = []
    unread: list[Path] = []
    for found in walk_files(folder, FOLDER_SUFFIXES, unsupported=unread.append):
        if unread:
            if group:
                yield Part(texts=tuple(group))
                group = []
            yield from (Unread(shown_path(p), p.suffix.lower() or "(no extension)") for p in unread)
            unread.clear()
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
    yield from (Unread(shown_path(p), p.suffix.lower() or "(no extension)") for p in unread)


def part_entries(part: Part, options: ReadOptions | None = None) -> Iterator[Item | Skip | Note]:
    """What `tonecls score` reads from the inputs of one part, in the same order and with the same names."""
    if part.path is not None:
        yield from iter_table(Path(part.path), options, part.span)
    for source in part.texts:
        yield from iter_source(source, options)


@dataclass
class PartResult:
    """A scored part: its rendered rows (None when it has none), how many, and its skips and notes in order."""

    payload: Any
    scored: int
    events: list[Skip | Note | Unread] = field(default_factory=list)
    dates: DateReader | None = None  # how the part's dates were read: counted into the run's reader


def score_part_with(
    model, part: Part | Skip | Unread, fmt: str, raw_cells: bool = False, options: ReadOptions | None = None
) -> PartResult:
    """Read one part, score it, render its rows a chunk at a time (a worker never holds a part's rows as dicts).

    A Skip or Unread planned by the parent comes back as it went, so that it
    is reported in its place among the parts. The part's dates are read by a
    reader of its own (``options.dates`` copied, uncounted) that `take` adds up.
    """
    if isinstance(part, Skip | Unread):
        return PartResult(None, 0, [part])
    options = options or ReadOptions()
    options = ReadOptions(options.encoding, options.delimiter, DateReader(options.dates.fmt), options.timeout)
    summary = Summary()
    events: list[Skip | Note | Unread] = []
    pieces = []
    rows: list[dict] = []
    for row in score_items(model, part_entries(part, options), summary, on_skip=events.append):
        rows.append(row)
        if len(rows) == RENDER_ROWS:
            pieces.append(render_rows(rows, fmt, raw_cells=raw_cells))
            rows = []
    if rows:
        pieces.append(render_rows(rows, fmt, raw_cells=raw_cells))
    return PartResult(_joined(pieces, fmt) if pieces else None, summary.scored, events, options.dates)


def _joined(pieces: list, fmt: str) -> Any:
    if fmt == "parquet":
        import pyarrow as pa

        return pa.concat_tables(pieces)
    if fmt == "xlsx":  # rows, written as one sheet by the parent
        return [row for piece in pieces for row in piece]
    return "".join(pieces)


def take(result: PartResult, summary: Summary, on_skip, dates: DateReader | None = None) -> Iterator[Any]:
    """Count a part's result into ``summary`` (and its dates into ``dates``, the run's reader), report its
    skips and notes, and give its payload if it has one.

    Only the run's first unreadable date is warned about, as in one process:
    a part's warning is dropped when an earlier part already warned.
    """
    warned = dates is not None and dates.first is not None
    for event in result.events:
        if isinstance(event, Unread):
            summary.unread[event.suffix] += 1
            continue
        if warned and isinstance(event, Note) and event.kind == "warning":  # only dates warn (score.iter_table)
            continue
        (summary.skipped if isinstance(event, Skip) else summary.notes).append(event)
        if on_skip:
            on_skip(event)
    if dates is not None and result.dates is not None:
        dates.unreadable += result.dates.unreadable
        dates.first = dates.first or result.dates.first
    summary.scored += result.scored
    if result.payload is not None:
        yield result.payload


JOBS_PART_BYTES = 2 * 1024 * 1024  # a part of a file for one --jobs task: some 6,000 statements, half a second


def score_files(
    model: Scorer,
    inputs: Iterable[str],
    summary: Summary,
    *,
    fmt: str,
    raw_cells: bool = False,
    jobs: int = -1,
    part_bytes: int = JOBS_PART_BYTES,
    on_skip: Callable[[Skip | Note], None] | None = None,
    options: ReadOptions | None = None,
) -> Iterator[Any]:
    """`score_rendered` for files and folders (not '-') on worker processes that read their own parts.

    This process only cuts the inputs into parts (`plan_parts`) and hands
    on what the workers render, in input order; the skips and notes reach
    ``summary`` and ``on_skip`` in the order one process reports them. With a
    single part, it is scored here: starting processes would cost more.
    """
    from tonecls.workers import ordered_map

    options = options or ReadOptions()
    planned = plan_parts(inputs, part_bytes, options)
    head: list[Part | Skip] = []
    for entry in planned:
        head.append(entry)
        if sum(isinstance(e, Part) for e in head) == 2:
            break
    entries = chain(head, planned)
    if sum(isinstance(e, Part) for e in head) < 2:
        for entry in entries:
            yield from take(score_part_with(model, entry, fmt, raw_cells, options), summary, on_skip, options.dates)
        return
    path = getattr(model, "path_", None)
    source = str(path) if path is not None else model
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    results = ordered_map(
        partial(_score_part_in_worker, fmt=fmt, raw_cells=raw_cells, options=options),
        entries,
        workers=workers,
        initializer=score_module._init_worker,
        initargs=(source, score_module._model_digest(model)),
    )
    for result in results:
        yield from take(result, summary, on_skip, options.dates)


def _score_part_in_worker(part, fmt: str, raw_cells: bool, options: ReadOptions | None = None):
    """One part of `score_files`, read, scored and rendered in a worker process."""
    model = score_module._worker_model  # set in this worker process by `score._init_worker`
    if isinstance(model, ToneclsError):
        raise model
    assert model is not None, "_init_worker did not run"
    return score_part_with(model, part, fmt, raw_cells, options)
