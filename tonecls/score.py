"""Score many statements: folders, text files, JSONL/CSV files or standard input.

Inputs are streamed in chunks so memory stays flat however many statements
there are; a file that cannot be read is reported and skipped, never fatal.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from tonecls.batch import CARRIED, score_batch
from tonecls.errors import InputError, ToneclsError
from tonecls.model import ToneModel
from tonecls.output import csv_line, json_line, safe_cell, visible
from tonecls.readers import (
    MAX_CHARS,
    Span,
    decode,
    iter_records,
    name_note,
    shown_path,
    stdin_lines,
    walk_files,
)
from tonecls.tones import TONES

TEXT_SUFFIXES = (".txt", ".md")
TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")
TEXT_CELLS = ("id", "actor", "date", "speaker", "text")  # CSV cells that may start like a formula
CHUNK = 512
PARALLEL_CHUNK = 4096  # statements per task sent to a worker: pickling costs little per statement
PARALLEL_CHUNK_CHARS = 8_000_000  # and no more characters than this, so long texts keep chunks small


@dataclass
class Item:
    """One statement to score, with the fields carried through to the output."""

    id: str
    text: str
    meta: dict = field(default_factory=dict)


@dataclass
class Skip:
    """An input that could not be scored, and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return visible(f"{self.where}: skipped: {self.reason}", keep="")


@dataclass
class Note:
    """Something the user should know about an input that was still scored (e.g. its id is not its name)."""

    where: str
    message: str

    def __str__(self) -> str:
        return visible(f"{self.where}: note: {self.message}", keep="")


@dataclass
class Summary:
    scored: int = 0
    skipped: list[Skip] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def iter_inputs(paths: Iterable[str], stdin: IO[str] | None = None) -> Iterator[Item | Skip | Note]:
    """Statements in input order; unreadable inputs come through as Skip, odd file names as Note."""
    for raw in paths:
        if raw == "-":
            yield from _iter_lines(stdin or sys.stdin)
            continue
        path = Path(raw)
        if path.is_dir():
            yield from _iter_folder(path)
        elif not path.exists():
            yield Skip(shown_path(path), "no such file or folder")
        elif path.suffix.lower() in TABLE_SUFFIXES:
            yield from iter_table(path)
        else:
            yield from iter_text_file(path)


def _iter_lines(stream: IO[str]) -> Iterator[Item | Skip]:
    """One statement per line of standard input, decoded from its bytes as files are (UTF-8, no NUL)."""
    for n, line in stdin_lines(stream):
        if isinstance(line, InputError):
            yield Skip(f"stdin:{n}", line.message)
        elif line.strip():
            yield checked(Item(f"stdin:{n}", line.rstrip("\n")))


def _iter_folder(folder: Path) -> Iterator[Item | Skip | Note]:
    for found in walk_files(folder, TEXT_SUFFIXES):
        if isinstance(found, InputError):
            yield Skip(found.path or shown_path(folder), found.message)
        else:
            yield from iter_text_file(found)


def iter_text_file(path: Path) -> Iterator[Item | Skip | Note]:
    """The statement of one text file (its whole text), or why it is skipped."""
    shown = shown_path(path)
    try:
        size = path.stat().st_size
        if size > 4 * MAX_CHARS:  # more than 4 bytes a character even in UTF-32: too long, whatever it holds
            yield Skip(shown, f"too long for one statement ({size:,} bytes; the limit is {MAX_CHARS:,} characters)")
            return
        data = path.read_bytes()
    except FileNotFoundError:
        yield Skip(shown, "file vanished before it could be read")
        return
    except OSError as exc:
        yield Skip(shown, f"cannot read ({exc.strerror or exc})")
        return
    try:
        text = decode(data, shown)
    except InputError as exc:
        yield Skip(shown, exc.message)
        return
    if not text.strip():
        yield Skip(shown, "empty file")
        return
    note = name_note(path)
    if note:
        yield Note(shown, note)
    yield checked(Item(shown, text.strip()))


def checked(item: Item) -> Item | Skip:
    """The item, or a Skip when it is too long to be one statement."""
    if len(item.text) > MAX_CHARS:
        return Skip(item.id, f"too long for one statement ({len(item.text):,} characters; the limit is {MAX_CHARS:,})")
    return item


def iter_table(path: Path, span: Span | None = None) -> Iterator[Item | Skip | Note]:
    """The statements of a JSONL, CSV or Parquet file, or of one `Span` of it (read on another machine)."""
    shown = shown_path(path)
    note = name_note(path) if span is None or span.first else None
    if note:
        yield Note(shown, note.replace("its id shows", "row ids without an id of their own show"))
    try:
        for line, row in iter_records(path, span=span):
            where = f"{shown}:{line}"
            if isinstance(row, InputError):
                yield Skip(where, row.message)
                continue
            text = row.get("text")
            if text is not None and not isinstance(text, str):
                yield Skip(where, f"'text' must be a string, not {type(text).__name__}")
                continue
            if not text or not text.strip():
                yield Skip(where, "missing or empty 'text'")
                continue
            rid = row.get("id")
            meta = {k: row[k] for k in CARRIED if row.get(k) not in (None, "")}
            yield checked(Item(where if rid in (None, "") else str(rid), text, meta))
    except InputError as exc:
        yield Skip(shown if exc.line is None else f"{shown}:{exc.line}", exc.message)


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _bounded_chunks(items: Iterable[Item], size: int, max_chars: int) -> Iterator[list[Item]]:
    """Chunks of at most ``size`` items and (but for a single long item) ``max_chars`` characters."""
    chunk: list[Item] = []
    chars = 0
    for item in items:
        if chunk and (len(chunk) == size or chars + len(item.text) > max_chars):
            yield chunk
            chunk, chars = [], 0
        chunk.append(item)
        chars += len(item.text)
    if chunk:
        yield chunk


def _score_chunk(model: ToneModel, chunk: list[Item], render: Render | None = None) -> tuple[Any, int]:
    """The chunk's rows (or, with ``render``, their rendered text or table) and how many there are."""
    rows = score_batch(model, [item.text for item in chunk], [{"id": item.id, **item.meta} for item in chunk])
    if render is None:
        return rows, len(rows)
    fmt, raw_cells = render
    return render_rows(rows, fmt, raw_cells=raw_cells), len(rows)


def score_items(
    model: ToneModel,
    inputs: Iterable[Item | Skip | Note],
    summary: Summary,
    *,
    jobs: int = 1,
    chunk_size: int = CHUNK,
    on_skip: Callable[[Skip | Note], None] | None = None,
) -> Iterator[dict]:
    """Scored rows in input order; skips and notes are kept in ``summary`` and passed to ``on_skip``."""
    for rows, count in _scored(model, inputs, summary, jobs, chunk_size, on_skip, None):
        summary.scored += count
        yield from rows


def score_rendered(
    model: ToneModel,
    inputs: Iterable[Item | Skip | Note],
    summary: Summary,
    *,
    fmt: str,
    raw_cells: bool = False,
    jobs: int = 1,
    chunk_size: int = CHUNK,
    on_skip: Callable[[Skip | Note], None] | None = None,
) -> Iterator[Any]:
    """`score_items` rendered a chunk at a time as `render_rows` does: what `tonecls score` writes.

    With ``jobs``, the worker processes render their chunks too, so this
    process only reads the inputs and writes text it is handed: scoring
    scales with the workers instead of waiting on this one.
    """
    for payload, count in _scored(model, inputs, summary, jobs, chunk_size, on_skip, (fmt, raw_cells)):
        summary.scored += count
        yield payload


Render = tuple[str, bool]  # (format, raw_cells) of `render_rows`, or None for the rows themselves


def _scored(model, inputs, summary, jobs, chunk_size, on_skip, render: Render | None) -> Iterator[tuple[Any, int]]:
    def items() -> Iterator[Item]:
        for entry in inputs:
            if isinstance(entry, Skip | Note):
                (summary.skipped if isinstance(entry, Skip) else summary.notes).append(entry)
                if on_skip:
                    on_skip(entry)
            else:
                yield entry

    if jobs == 1:
        return (_score_chunk(model, c, render) for c in _chunks(items(), chunk_size))
    return _score_in_parallel(model, items(), jobs=jobs, chunk_size=max(chunk_size, PARALLEL_CHUNK), render=render)


def render_rows(rows: list[dict], fmt: str, *, raw_cells: bool = False) -> Any:
    """Rows as `score` writes them: JSON Lines or CSV lines (no header) as text, or an Arrow table for Parquet."""
    if fmt == "parquet":
        import pyarrow as pa

        from tonecls.columns import arrow_schema, to_columns

        return pa.Table.from_pydict(to_columns(rows), schema=arrow_schema())
    if fmt == "csv":
        return "".join(csv_row(row, raw_cells=raw_cells) for row in rows)
    return "".join(json_line(row) + "\n" for row in rows)


def write_rendered(pieces: Iterable[Any], fh: IO, fmt: str) -> None:
    """Write what `render_rows` made to an open file: text after a CSV header, or one Parquet file."""
    if fmt == "parquet":
        from tonecls.columns import write_tables

        write_tables(pieces, fh)
        return
    if fmt == "csv":
        fh.write(csv_line(csv_header()))
    for text in pieces:
        fh.write(text)


def _score_in_parallel(
    model: ToneModel, items: Iterator[Item], *, jobs: int, chunk_size: int, render: Render | None = None
) -> Iterator[tuple[Any, int]]:
    """Scored chunks in input order from worker processes that die with this one; one chunk is scored here."""
    from tonecls.workers import ordered_map

    chunks = _bounded_chunks(items, chunk_size, PARALLEL_CHUNK_CHARS)
    first = next(chunks, None)
    second = next(chunks, None)
    if first is None:
        return
    if second is None:  # starting processes would cost more than they save
        yield _score_chunk(model, first, render)
        return
    path = getattr(model, "path_", None)
    source = str(path) if path is not None else model  # a model never saved travels pickled, once per worker
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    yield from ordered_map(
        partial(_score_in_worker, render=render),
        chain([first, second], chunks),
        workers=workers,
        initializer=_init_worker,
        initargs=(source, _model_digest(model)),
    )


JOBS_PART_BYTES = 2 * 1024 * 1024  # a part of a file for one --jobs task: some 6,000 statements, half a second


def score_files(
    model: ToneModel,
    inputs: Iterable[str],
    summary: Summary,
    *,
    fmt: str,
    raw_cells: bool = False,
    jobs: int = -1,
    part_bytes: int = JOBS_PART_BYTES,
    on_skip: Callable[[Skip | Note], None] | None = None,
) -> Iterator[Any]:
    """`score_rendered` for files and folders (not '-') on worker processes that read their own parts.

    This process only cuts the inputs into parts (`tonecls.parts`) and hands
    on what the workers render, in input order; the skips and notes reach
    ``summary`` and ``on_skip`` in the order one process reports them. With a
    single part, it is scored here: starting processes would cost more.
    """
    from tonecls.parts import Part, plan_parts, score_part_with, take
    from tonecls.workers import ordered_map

    planned = plan_parts(inputs, part_bytes)
    head: list[Part | Skip] = []
    for entry in planned:
        head.append(entry)
        if sum(isinstance(e, Part) for e in head) == 2:
            break
    entries = chain(head, planned)
    if sum(isinstance(e, Part) for e in head) < 2:
        for entry in entries:
            yield from take(score_part_with(model, entry, fmt, raw_cells), summary, on_skip)
        return
    path = getattr(model, "path_", None)
    source = str(path) if path is not None else model
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    results = ordered_map(
        partial(_score_part_in_worker, fmt=fmt, raw_cells=raw_cells),
        entries,
        workers=workers,
        initializer=_init_worker,
        initargs=(source, _model_digest(model)),
    )
    for result in results:
        yield from take(result, summary, on_skip)


def _model_digest(model: ToneModel) -> str:
    """Enough of the fitted model to tell whether a worker loaded the same model as the parent."""
    digest = hashlib.sha256()
    for array in (model.coef_, model.intercept_, model.thresholds_):
        digest.update(array.tobytes())
    return digest.hexdigest()


# The model of a worker process, set once by _init_worker: per-process state is how a pool initializer works.
_worker_model: ToneModel | ToneclsError | None = None


def _init_worker(source: str | ToneModel, digest: str) -> None:
    global _worker_model
    try:
        if isinstance(source, str):
            from tonecls.model_file import load_model

            model = load_model(source)
        else:
            model = source
        if _model_digest(model) != digest:
            raise ToneclsError(f"{source}: the model file changed while scoring; run again")
        _worker_model = model
    except ToneclsError as exc:  # raised again with the first chunk, so that the parent reports it in one line
        _worker_model = exc


def _score_part_in_worker(part, fmt: str, raw_cells: bool):
    """One part of `score_files`, read, scored and rendered in a worker process."""
    from tonecls.parts import score_part_with

    if isinstance(_worker_model, ToneclsError):
        raise _worker_model
    assert _worker_model is not None, "_init_worker did not run"
    return score_part_with(_worker_model, part, fmt, raw_cells)


def _score_in_worker(chunk: list[Item], render: Render | None = None) -> tuple[Any, int]:
    if isinstance(_worker_model, ToneclsError):
        raise _worker_model
    assert _worker_model is not None, "_init_worker did not run"
    return _score_chunk(_worker_model, chunk, render)


def csv_header(rows_meta: Iterable[str] = CARRIED) -> list[str]:
    return ["id", "tones", *(f"score_{t}" for t in TONES), *rows_meta, "text"]


def write_rows(rows: Iterable[dict], fh: IO, fmt: str, *, raw_cells: bool = False) -> None:
    """Write rows as CSV or JSON Lines to an open text stream, or as Parquet to an open binary one.

    In CSV, a text cell that a spreadsheet would run as a formula (=, +, -, @ ...)
    gets a leading ``'`` unless ``raw_cells``; scores are numbers and left alone.
    """
    if fmt == "parquet":
        from tonecls.columns import write_parquet

        write_parquet(rows, fh)
    elif fmt == "csv":
        fh.write(csv_line(csv_header()))
        for row in rows:
            fh.write(csv_row(row, raw_cells=raw_cells))
    else:
        for row in rows:
            fh.write(json_line(row) + "\n")


def csv_row(row: dict, *, raw_cells: bool = False) -> str:
    """One scored row as a line of `score`'s CSV output (text cells made formula-safe unless ``raw_cells``)."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text if raw_cells else safe_cell(text)

    return csv_line(
        [
            cell(row["id"]),
            ";".join(row["tones"]),
            *(row["scores"][t] for t in TONES),
            *(cell(row.get(k, "")) for k in CARRIED),
            cell(row["text"]),
        ]
    )


OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet")


def output_format(path: str | None) -> str:
    """``csv``, ``jsonl`` or ``parquet`` from the output's extension (JSON Lines on standard output)."""
    if path is None or path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ToneclsError(f"{path}: output must end in .csv, .jsonl or .parquet")
    if suffix == ".parquet":
        from tonecls.readers import pyarrow_parquet

        pyarrow_parquet()  # now, not after scoring everything
    return suffix[1:]
