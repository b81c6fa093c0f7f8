"""Score many statements: folders, text, HTML and PDF files, URLs, JSONL/CSV/TSV/XLSX tables or standard input.

Inputs are streamed in chunks so memory stays flat however many statements
there are; a file that cannot be read is reported and skipped, never fatal,
and a file in a folder of a type that is not read is counted by extension.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tonecls.batch import CARRIED, score_batch
from tonecls.dates import DateReader
from tonecls.documents import DOCUMENT_SUFFIXES, is_document, read_document
from tonecls.errors import InputError, ToneclsError
from tonecls.fetch import TIMEOUT, is_url
from tonecls.output import csv_line, json_line, json_lines, safe_cell, visible
from tonecls.readers import (
    MAX_CHARS,
    Span,
    decode,
    iter_records,
    name_note,
    regular_file,
    shown_path,
    stdin_lines,
    walk_files,
)
from tonecls.tones import TONES

if TYPE_CHECKING:
    from tonecls.predictor import Scorer

TEXT_SUFFIXES = (".txt", ".md")
TABLE_SUFFIXES = (".jsonl", ".csv", ".tsv", ".xlsx", ".parquet")
FOLDER_SUFFIXES = TEXT_SUFFIXES + DOCUMENT_SUFFIXES  # one statement per file, in a folder
OUTPUT_FORMATS = ("csv", "tsv", "xlsx", "jsonl", "parquet")
# Files named explicitly that are known not to be text: said so, rather than "contains NUL bytes".
NOT_TEXT = frozenset(".doc .docx .odt .ppt .pptx .odp .xls .ods .png .jpg .jpeg .gif .tif .tiff .zip .gz".split())
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
    kind: str = "note"  # or "warning": the input was scored, but something in it will not be used

    def __str__(self) -> str:
        return visible(f"{self.where}: {self.kind}: {self.message}", keep="")


@dataclass
class Unread:
    """A file in a folder whose type is not read (counted by extension in the summary, not listed one by one)."""

    where: str
    suffix: str


@dataclass
class Summary:
    scored: int = 0
    skipped: list[Skip] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    unread: Counter = field(default_factory=Counter)  # extension -> files in folders not read

    def skipped_line(self) -> str:
        """``skipped N inputs``, and which files in folders were not read: ``; not read: 2 .docx, 1 .png``."""
        line = f"skipped {len(self.skipped) + sum(self.unread.values()):,} inputs"
        if self.unread:
            counts = ", ".join(f"{n:,} {suffix}" for suffix, n in sorted(self.unread.items(), key=_by_count))
            line += f"; not read: {counts}"
            if any(suffix in TABLE_SUFFIXES for suffix in self.unread):
                line += " (tables in a folder are not read: name them)"
        return line


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


@dataclass
class ReadOptions:
    """How inputs are read, as the user said: encoding, CSV delimiter, date format, URL timeout."""

    encoding: str | None = None
    delimiter: str | None = None
    dates: DateReader = field(default_factory=DateReader)
    timeout: float = TIMEOUT


def iter_inputs(
    paths: Iterable[str], stdin: IO[str] | None = None, options: ReadOptions | None = None
) -> Iterator[Item | Skip | Note | Unread]:
    """Statements in input order; unreadable inputs come through as Skip, odd file names as Note, files of a
    type not read in a folder as Unread."""
    options = options or ReadOptions()
    for raw in paths:
        if raw == "-":
            yield from _iter_lines(stdin or sys.stdin, options)
        elif not is_url(raw) and Path(raw).is_dir():
            yield from _iter_folder(Path(raw), options)
        else:
            yield from iter_source(raw, options)


def iter_source(raw: str, options: ReadOptions | None = None) -> Iterator[Item | Skip | Note]:
    """The statements of one input that is neither a folder nor '-': a URL, a table, a document or a text file
    (also what a worker of `score --jobs` reads of a part that holds whole files)."""
    options = options or ReadOptions()
    if is_url(raw):
        yield from _iter_document(raw, visible(raw, keep=""), options)
        return
    path = Path(raw)
    if not path.exists():
        yield Skip(shown_path(path), "no such file or folder")
    elif path.suffix.lower() in TABLE_SUFFIXES:
        yield from iter_table(path, options)
    elif is_document(path):
        yield from _iter_document(path, shown_path(path), options)
    elif path.suffix.lower() in NOT_TEXT:
        yield Skip(shown_path(path), f"{path.suffix.lower()} files are not read; save it as text, HTML, PDF or CSV")
    else:
        yield from _iter_text_file(path, options)


def _iter_lines(stream: IO[str], options: ReadOptions) -> Iterator[Item | Skip]:
    """One statement per line of standard input, decoded from its bytes as files are (UTF-8, no NUL)."""
    for n, line in stdin_lines(stream, encoding=options.encoding):
        if isinstance(line, InputError):
            yield Skip(f"stdin:{n}", line.message)
        elif line.strip():
            yield checked(Item(f"stdin:{n}", line.rstrip("\n")))


def _iter_folder(folder: Path, options: ReadOptions) -> Iterator[Item | Skip | Note | Unread]:
    """Each text, HTML or PDF file below ``folder`` as one statement; other files counted as Unread."""
    unread: list[Path] = []
    for found in walk_files(folder, FOLDER_SUFFIXES, unsupported=unread.append):
        yield from (Unread(shown_path(p), p.suffix.lower() or "(no extension)") for p in unread)
        unread.clear()
        if isinstance(found, InputError):
            yield Skip(found.path or shown_path(folder), found.message)
        elif is_document(found):
            yield from _iter_document(found, shown_path(found), options)
        else:
            yield from _iter_text_file(found, options)
    yield from (Unread(shown_path(p), p.suffix.lower() or "(no extension)") for p in unread)


def _iter_document(source: str | Path, shown: str, options: ReadOptions) -> Iterator[Item | Skip | Note]:
    """An HTML page's main text, a PDF's text, or a URL's, as one statement."""
    try:
        text = read_document(source, encoding=options.encoding, timeout=options.timeout)
    except InputError as exc:
        yield Skip(shown, exc.message)
        return
    except ToneclsError as exc:  # a missing optional package: the message says what to install
        yield Skip(shown, str(exc))
        return
    if not text.strip():
        yield Skip(shown, "no text in it")
        return
    note = name_note(source) if isinstance(source, Path) else None
    if note:
        yield Note(shown, note)
    yield checked(Item(shown, text.strip()))


def _iter_text_file(path: Path, options: ReadOptions | None = None) -> Iterator[Item | Skip | Note]:
    """The statement of one text file (its whole text), or why it is skipped."""
    shown = shown_path(path)
    try:
        regular_file(path)
    except InputError as exc:
        yield Skip(shown, exc.message)
        return
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
        text = decode(data, shown, options.encoding if options else None)
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


def checked(item: Item, where: str | None = None) -> Item | Skip:
    """The item, or a Skip when it is too long to be one statement (named by ``where``, its file:line, when
    its id is something else)."""
    if len(item.text) > MAX_CHARS:
        what = f"record {item.id!r} " if where and where != item.id else ""
        reason = f"{what}too long for one statement ({len(item.text):,} characters; the limit is {MAX_CHARS:,})"
        return Skip(where or item.id, reason)
    return item


def iter_table(
    path: Path, options: ReadOptions | None = None, span: Span | None = None
) -> Iterator[Item | Skip | Note]:
    """The statements of a JSONL, CSV, TSV, XLSX or Parquet file, or of one `Span` of it (read on another machine)."""
    options = options or ReadOptions()
    shown = shown_path(path)
    note = name_note(path) if span is None or span.first else None
    if note:
        yield Note(shown, note.replace("its id shows", "row ids without an id of their own show"))
    notes: list[Note] = []

    def on_note(line: int, message: str) -> None:
        notes.append(Note(f"{shown}:{line}", message))

    records = iter_records(path, delimiter=options.delimiter, encoding=options.encoding, on_note=on_note, span=span)
    try:
        for line, row in records:
            yield from notes
            notes.clear()
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
            if "date" in meta:
                meta["date"], warning = options.dates.read(meta["date"], where)
                if warning:
                    yield Note(where, warning, kind="warning")
            yield checked(Item(where if rid in (None, "") else str(rid), text, meta), where)
    except InputError as exc:
        yield from notes
        yield Skip(shown if exc.line is None else f"{shown}:{exc.line}", exc.message)
    except ToneclsError as exc:  # a missing optional package (.xlsx): the message says what to install
        yield Skip(shown, str(exc))
    else:
        yield from notes


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


def _score_chunk(model: Scorer, chunk: list[Item], render: Render | None = None) -> tuple[Any, int]:
    """The chunk's rows (or, with ``render``, their rendered text or table) and how many there are."""
    rows = score_batch(model, [item.text for item in chunk], [{"id": item.id, **item.meta} for item in chunk])
    if render is None:
        return rows, len(rows)
    fmt, raw_cells = render
    return render_rows(rows, fmt, raw_cells=raw_cells), len(rows)


def score_items(
    model: Scorer,
    inputs: Iterable[Item | Skip | Note | Unread],
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
    model: Scorer,
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
            if isinstance(entry, Unread):
                summary.unread[entry.suffix] += 1
            elif isinstance(entry, Skip | Note):
                (summary.skipped if isinstance(entry, Skip) else summary.notes).append(entry)
                if on_skip:
                    on_skip(entry)
            else:
                yield entry

    if jobs == 1:
        return (_score_chunk(model, c, render) for c in _chunks(items(), chunk_size))
    return _score_in_parallel(model, items(), jobs=jobs, chunk_size=max(chunk_size, PARALLEL_CHUNK), render=render)


def render_rows(rows: list[dict], fmt: str, *, raw_cells: bool = False) -> Any:
    """Rows as `score` writes them: JSON Lines, CSV or TSV lines (no header) as text, an Arrow table for
    Parquet, or the rows themselves for .xlsx (one sheet, written at the end by `write_xlsx_rows`)."""
    if fmt == "xlsx":
        return rows
    if fmt == "parquet":
        import pyarrow as pa

        from tonecls.columns import arrow_schema, to_columns

        return pa.Table.from_pydict(to_columns(rows), schema=arrow_schema())
    if fmt in _DELIMITERS:
        return "".join(csv_row(row, raw_cells=raw_cells, delimiter=_DELIMITERS[fmt]) for row in rows)
    return json_lines(rows)


def write_rendered(pieces: Iterable[Any], fh: IO, fmt: str, *, bom: bool = False) -> int:
    """Write what `render_rows` made to an open file: text after a CSV or TSV header (and a BOM if asked),
    one Parquet file or one .xlsx sheet. Returns the texts cut to Excel's cell limit (.xlsx)."""
    if fmt == "parquet":
        from tonecls.columns import write_tables

        write_tables(pieces, fh)
        return 0
    if fmt == "xlsx":
        return write_xlsx_rows(chain.from_iterable(pieces), fh)
    if bom:
        fh.write("\ufeff")
    if fmt in _DELIMITERS:
        fh.write(csv_line(csv_header(), delimiter=_DELIMITERS[fmt]))
    for text in pieces:
        fh.write(text)
    return 0


def _score_in_parallel(
    model: Scorer, items: Iterator[Item], *, jobs: int, chunk_size: int, render: Render | None = None
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


def _model_digest(model: Scorer) -> str:
    """Enough of the fitted model to tell whether a worker loaded the same model as the parent."""
    digest = hashlib.sha256()
    for array in (model.coef_, model.intercept_, model.thresholds_):
        digest.update(array.tobytes())
    return digest.hexdigest()


# The model of a worker process, set once by _init_worker: per-process state is how a pool initializer works.
_worker_model: Scorer | ToneclsError | None = None


def _init_worker(source: str | Scorer, digest: str) -> None:
    global _worker_model
    try:
        if isinstance(source, str):
            from tonecls.loading import load_any

            model = load_any(source, predictor=True)
        else:
            model = source
        if _model_digest(model) != digest:
            raise ToneclsError(f"{source}: the model file changed while scoring; run again")
        _worker_model = model
    except ToneclsError as exc:  # raised again with the first chunk, so that the parent reports it in one line
        _worker_model = exc


def _score_in_worker(chunk: list[Item], render: Render | None = None) -> tuple[Any, int]:
    if isinstance(_worker_model, ToneclsError):
        raise _worker_model
    assert _worker_model is not None, "_init_worker did not run"
    return _score_chunk(_worker_model, chunk, render)


def csv_header(rows_meta: Iterable[str] = CARRIED) -> list[str]:
    return ["id", "tones", *(f"score_{t}" for t in TONES), *rows_meta, "note", "text"]


def _table_row(row: dict, cell: Callable[[object], object]) -> list[object]:
    """A scored row in the order of `csv_header`: ``cell`` renders the text cells, scores stay numbers."""
    return [
        cell(row["id"]),
        ";".join(row["tones"]),
        *(row["scores"][t] for t in TONES),
        *(cell(row.get(k, "")) for k in CARRIED),
        row.get("note", ""),
        cell(row["text"]),
    ]


TEXT_COLUMNS = (0, *range(2 + len(TONES), 2 + len(TONES) + len(CARRIED) + 2))  # id, carried fields, note, text


def write_rows(rows: Iterable[dict], fh: IO, fmt: str, *, raw_cells: bool = False, bom: bool = False) -> None:
    """Write rows as CSV, TSV or JSON Lines to an open text stream, or as Parquet to an open binary one
    (.xlsx: `write_xlsx_rows`).

    In CSV and TSV, a text cell that a spreadsheet would run as a formula
    (=, +, -, @ ...) gets a leading ``'`` unless ``raw_cells``; scores are
    numbers and left alone. ``bom`` starts the file with a UTF-8 byte order
    mark, by which Excel knows the file is UTF-8.
    """
    if fmt == "parquet":
        from tonecls.columns import write_parquet

        write_parquet(rows, fh)
        return
    if bom:
        fh.write("\ufeff")
    if fmt in ("csv", "tsv"):
        fh.write(csv_line(csv_header(), delimiter=_DELIMITERS[fmt]))
        for row in rows:
            fh.write(csv_row(row, raw_cells=raw_cells, delimiter=_DELIMITERS[fmt]))
    else:
        for row in rows:
            fh.write(json_line(row) + "\n")


_DELIMITERS = {"csv": ",", "tsv": "\t"}


def csv_row(row: dict, *, raw_cells: bool = False, delimiter: str = ",") -> str:
    """One scored row as a line of `score`'s CSV or TSV output (text cells made formula-safe unless ``raw_cells``)."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text if raw_cells else safe_cell(text)

    return csv_line(_table_row(row, cell), delimiter=delimiter)


def write_xlsx_rows(rows: Iterable[dict], fh: IO[bytes]) -> int:
    """Write rows as one .xlsx sheet (text cells are string cells, see tonecls.xlsx); returns the texts cut
    to Excel's cell limit."""
    from tonecls.xlsx import write_xlsx

    table = (_table_row(row, lambda value: "" if value is None else value) for row in rows)
    return write_xlsx(csv_header(), table, fh, text_columns=TEXT_COLUMNS, sheet="scores")


def output_format(path: str | None) -> str:
    """``csv``, ``tsv``, ``xlsx``, ``jsonl`` or ``parquet`` from the output's extension (stdout: JSON Lines)."""
    if path is None or path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix[1:] not in OUTPUT_FORMATS:
        raise ToneclsError(f"{path}: output must end in .csv, .tsv, .xlsx, .jsonl (JSON Lines) or .parquet")
    if suffix == ".parquet":
        from tonecls.readers import pyarrow_parquet

        pyarrow_parquet()  # now, not after scoring everything
    return suffix[1:]
