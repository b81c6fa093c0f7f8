"""Reading input: text files, JSON Lines, CSV, standard input and folders, with bounded memory.

Every command reads through this module, so a file is decoded the same way
whoever reads it, and one bad line, record or file name is reported with its
file and line instead of stopping the run:

- lines are read with a length bound (`MAX_LINE_BYTES`), so a 1 GB line costs
  about that bound in memory, not gigabytes, before it is refused;
- a JSON record with a lone surrogate, a NUL, a number of thousands of digits
  or deep nesting is a bad record, not a crash later when it is written out;
- a bad CSV row is skipped alone: rows are cut where their quotes balance, so
  the reader finds the next row again after it;
- folders are walked without recursion, sorted, without following links;
- Parquet is read a record batch at a time, its values made what JSON would hold;
- a file can be cut into `Span`s that other processes read on their own and
  that give exactly what reading the whole file gives (`plan_spans`).

`csv.field_size_limit` is process-wide (the csv module keeps no per-reader
limit), so it is set here, once, to the fixed `CSV_FIELD_LIMIT`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, AnyStr

from tonecls.errors import InputError, ToneclsError
from tonecls.output import visible

MAX_CHARS = 1_000_000  # about 150,000 words: longer inputs are not one statement
MAX_LINE_BYTES = 8 * 1024 * 1024  # room for a statement of MAX_CHARS even written with \uXXXX escapes
MAX_DEPTH = 100  # JSON nesting: a statement record is a few levels deep
MAX_INT_DIGITS = 4300  # Python's own default limit for converting digits to an int
CSV_FIELD_LIMIT = MAX_LINE_BYTES
DRAIN_CHUNK = 64 * 1024  # the rest of an over-long line is read and dropped this much at a time

csv.field_size_limit(CSV_FIELD_LIMIT)

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class BadLine(InputError):
    """A line that cannot be read as text; ``quotes`` counts its '"' so that CSV still finds where a row ends."""

    def __init__(self, message: str, path: object, line: int, quotes: int = 0, size: int = 0):
        super().__init__(message, path, line)
        self.quotes = quotes
        self.size = size


Line = tuple[int, "str | BadLine"]


def decode(data: bytes, path: object, encoding: str | None = None) -> str:
    """UTF-8 (a BOM is dropped), or UTF-16/32 when a BOM says so, or ``encoding`` when the user names it;
    anything else is an error naming the line.

    Latin-1 and other 8-bit encodings are not guessed: a wrong guess would
    silently change the words the model reads. A byte order mark is the file's
    own word, so it wins over ``encoding``.
    """
    if encoding is not None and not any(data.startswith(bom) for bom, _ in _BOMS):
        return _decode_as(data, path, encoding)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"not valid {codec.upper()} despite its byte order mark (byte {exc.start})", path
                ) from None
            break
    else:
        if b"\x00" in data:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            raise InputError("contains NUL bytes: a binary file, not text", path, line)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", path, line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError("contains NUL bytes: a binary file, not text", path, line)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_as(data: bytes, path: object, encoding: str) -> str:
    """``data`` in the encoding the user named (see `text_codec`): errors name the line and the byte."""
    codec = text_codec(encoding)
    try:
        text = data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid {shown_codec(codec)} (byte {exc.start})", path, line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError("contains NUL bytes: a binary file, not text", path, line)
    return _breaks(text)


def text_codec(name: str) -> str:
    """The canonical name of a text encoding the user named (``cp1252``, ``latin-1``, ``shift_jis`` ...).

    An unknown name, or a codec that does not turn bytes into text (``base64``,
    ``rot13``), is a ToneclsError: the encoding is never guessed, so a wrong
    name must not be taken for another.
    """
    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        raise ToneclsError(f"unknown encoding {name!r} (e.g. utf-8, cp1252, latin-1, utf-16)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ToneclsError(f"{name!r} is not a text encoding (e.g. utf-8, cp1252, latin-1, utf-16)")
    return info.name


def shown_codec(codec: str) -> str:
    return codec.upper().replace("UTF-8-SIG", "UTF-8")


def _ascii_lines(codec: str) -> bool:
    """Whether a file in ``codec`` can be cut into lines and rows on its bytes (newline, quote and separators
    are their ASCII bytes, as in UTF-8, cp1252 or Shift JIS), rather than decoded as one stream (UTF-16)."""
    probe = '\n"a,;\t'
    try:
        return probe.encode(codec) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


MAX_TEXT_FILE_BYTES = 64 * 2**20  # an article or a statement; a larger "text" file is not one


def regular_file(path: str | os.PathLike) -> None:
    """Refuse, in one line, a name that is not a regular file: a pipe never ends, /dev/zero never stops."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", shown_path(path)) from None
    if stat.S_ISDIR(mode):
        raise InputError("is a folder, not a file", shown_path(path))
    if not stat.S_ISREG(mode):
        raise InputError(
            "not a regular file (a pipe, socket or device); save what it holds to a file", shown_path(path)
        )


def read_text_file(path: str | os.PathLike, encoding: str | None = None) -> str:
    """A whole text file, decoded as `decode` does; an unreadable or oversized file is an InputError naming it."""
    regular_file(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_TEXT_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", shown_path(path)) from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise InputError(f"too large to read as one text (over {MAX_TEXT_FILE_BYTES:,} bytes)", shown_path(path))
    return decode(data, shown_path(path), encoding)


# ---------------------------------------------------------------- file names


def shown_path(path: str | os.PathLike) -> str:
    """A path as printable, valid UTF-8: undecodable bytes as \\xNN, control characters as escapes.

    Used wherever a file name becomes an id or a message, so that writing it
    out can neither fail nor drive the terminal.
    """
    return visible(os.fsdecode(path), keep="")


def name_note(path: str | os.PathLike) -> str | None:
    """Why `shown_path` differs from the real name, or None when it does not."""
    name = os.fsdecode(path)
    if visible(name, keep="") == name:
        return None
    if re.search("[\udc80-\udcff]", name):
        return "the file name is not valid UTF-8; its id shows the bad bytes as \\xNN"
    return "the file name holds control characters; its id shows them as backslash escapes"


def walk_files(
    folder: str | os.PathLike, suffixes: Iterable[str], *, unsupported: Callable[[Path], None] | None = None
) -> Iterator[Path | InputError]:
    """Files below ``folder`` ending in one of ``suffixes``: a folder's files, then its subfolders, sorted by name.

    Iterative, so any depth is fine; linked folders are not entered (no loops);
    a folder that cannot be listed, or a matching name that is not a regular
    file (a broken link, a pipe that would block), comes as an InputError.
    Other regular files are passed to ``unsupported`` (when given), so that a
    caller can say what it did not read instead of ignoring it silently.
    """
    suffixes = tuple(s.lower() for s in suffixes)
    stack = [Path(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield InputError(f"cannot read folder ({exc.strerror or exc})", shown_path(current))
            continue
        subfolders = []
        for entry in entries:
            if _is_folder(entry):
                subfolders.append(Path(entry.path))
            elif Path(entry.name).suffix.lower() in suffixes:
                if _is_file(entry):
                    yield Path(entry.path)
                else:
                    yield InputError("not a regular file (a broken link, a pipe or a device)", shown_path(entry.path))
            elif unsupported is not None and _is_file(entry):
                unsupported(Path(entry.path))
        stack.extend(reversed(subfolders))


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


# ---------------------------------------------------------------- lines


@dataclass
class _TooLong:
    size: int  # without the newline
    quotes: int
    ended: bool  # by a newline (else by the end of the input)


def _bounded(readline: Callable[[int], AnyStr], limit: int, newline: AnyStr, quote: AnyStr) -> Iterator:
    """Lines (newline kept) of at most ``limit`` units; a longer one is read to its end in small chunks and
    comes as `_TooLong`, so memory stays about ``limit`` whatever the line."""
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(newline):
            yield line
            continue
        size, quotes = len(line), line.count(quote)
        while not line.endswith(newline):
            line = readline(DRAIN_CHUNK)
            size += len(line)
            quotes += line.count(quote)
            if not line:
                break
        ended = line.endswith(newline)
        yield _TooLong(size - ended, quotes, ended)


def _too_long(n: int, long: _TooLong, path: object, limit: int, unit: str = "bytes") -> BadLine:
    message = f"line too long ({long.size:,} {unit}; the limit is {limit:,})"
    return BadLine(message, path, n, long.quotes, long.size)


def binary_lines(
    binary: IO[bytes], path: object, *, limit: int | None = None, encoding: str | None = None
) -> Iterator[Line]:
    """Lines of a binary stream as UTF-8 text (a first-line BOM dropped, line breaks as "\\n"), or in
    ``encoding`` when the user named one whose newline is the byte 0x0A (see `_ascii_lines`).

    A line with a NUL byte, bad UTF-8 or more than ``limit`` bytes (default
    `MAX_LINE_BYTES`) comes as a BadLine, and the next line is read as usual.
    """
    for n, line, _ in placed_lines(binary, path, limit=limit, encoding=encoding):
        yield n, line


def placed_lines(
    binary: IO[bytes],
    path: object,
    *,
    limit: int | None = None,
    first_line: int = 1,
    offset: int = 0,
    encoding: str | None = None,
) -> Iterator[tuple[int, str | BadLine, int]]:
    """`binary_lines` with the byte offset where each line starts, for a stream that starts at ``offset``,
    on line ``first_line`` of its file (a part of a file read on its own, see `Span`)."""
    limit = MAX_LINE_BYTES if limit is None else limit
    codec = "utf-8" if encoding is None else text_codec(encoding)
    for n, raw in enumerate(_bounded(binary.readline, limit, b"\n", b'"'), start=first_line):
        start = offset
        if isinstance(raw, _TooLong):
            offset += raw.size + raw.ended
            yield n, _too_long(n, raw, path, limit), start
            continue
        offset += len(raw)
        if b"\x00" in raw:
            yield n, BadLine("contains NUL bytes: a binary file, not text", path, n, raw.count(b'"'), len(raw)), start
        else:
            try:
                line = raw.decode("utf-8-sig" if n == 1 and codec == "utf-8" else codec)
            except UnicodeDecodeError as exc:
                message = f"not valid UTF-8 (byte {start + exc.start}); save the file as UTF-8"
                if encoding is not None:
                    message = f"not valid {shown_codec(codec)} (byte {start + exc.start})"
                yield n, BadLine(message, path, n, raw.count(b'"'), len(raw)), start
            else:
                yield n, _breaks(line), start


def text_stream_lines(stream: IO[str], path: object, *, limit: int | None = None, bom: bool = True) -> Iterator[Line]:
    """Lines of an already decoded text stream, bounded and checked like `binary_lines` (limit in characters)."""
    limit = MAX_LINE_BYTES if limit is None else limit
    n = 0
    try:
        for n, line in enumerate(_bounded(stream.readline, limit, "\n", '"'), start=1):
            if isinstance(line, _TooLong):
                yield n, _too_long(n, line, path, limit, "characters")
            elif "\x00" in line:
                yield n, BadLine("contains NUL bytes: a binary file, not text", path, n, line.count('"'), len(line))
            elif found := _SURROGATE.search(line):
                message = f"the line holds an invalid character (lone surrogate \\u{ord(found.group()):04x})"
                yield n, BadLine(message, path, n, line.count('"'), len(line))
            else:
                yield n, _breaks(line)
    except UnicodeDecodeError as exc:  # a stream decoded as it is read (UTF-16/32): what follows cannot be trusted
        encoding = shown_codec(getattr(stream, "encoding", "text"))
        why = " despite its byte order mark" if bom else ""
        yield n + 1, BadLine(f"not valid {encoding}{why} ({exc.reason})", path, n + 1)


def _breaks(line: str) -> str:
    return line.replace("\r\n", "\n").replace("\r", "\n")


def file_lines(
    path: str | os.PathLike, *, limit: int | None = None, encoding: str | None = None, span: Span | None = None
) -> Iterator[Line]:
    """``(line number, text)`` of each line of a file, newline kept; a line that cannot be read comes as a BadLine.

    UTF-8 is decoded line by line (a BOM on the first line is dropped); a file
    with a UTF-16 or UTF-32 byte order mark is decoded as a stream. Without a
    BOM, ``encoding`` (named by the user, never guessed) replaces UTF-8. Opening
    the file is the one failure that raises (InputError naming it). With ``span``
    (from `plan_spans`, which cuts UTF-8 files only), only the lines of that part of the file.
    """
    shown = shown_path(path)
    regular_file(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in the finally below, after the generator is done
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", shown) from None
    try:
        if span is not None and span.start > 0:  # a later part of a UTF-8 file: lines from there to its end
            fh.seek(span.start)
            part = _Capped(fh, span.start, span.stop)
            lines = placed_lines(part, shown, limit=limit, first_line=span.first_line, offset=span.start)
            for n, line, _ in lines:
                yield n, line
            return
        if span is not None and span.stop is not None:
            fh = _Capped(fh, 0, span.stop)
        head = fh.read(4)
        found = next(((bom, codec) for bom, codec in _BOMS if head.startswith(bom)), None)
        if found is None:
            fh.seek(0)
            if encoding is not None and not _ascii_lines(text_codec(encoding)):
                with io.TextIOWrapper(fh, encoding=text_codec(encoding), newline="\n") as text:
                    yield from text_stream_lines(text, shown, limit=limit, bom=False)
                return
            yield from binary_lines(fh, shown, limit=limit, encoding=encoding)
            return
        bom, codec = found
        fh.seek(len(bom))
        with io.TextIOWrapper(fh, encoding=codec, newline="\n") as text:
            yield from text_stream_lines(text, shown, limit=limit)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", shown) from None
    finally:
        fh.close()


def stdin_lines(stream: IO[str], *, limit: int | None = None, encoding: str | None = None) -> Iterator[Line]:
    """Lines of standard input, decoded from its bytes as files are (UTF-8 or ``encoding``, no NUL, bounded)."""
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a text stream without bytes underneath (e.g. io.StringIO): already decoded
        return text_stream_lines(stream, "stdin", limit=limit)
    if encoding is not None and not _ascii_lines(text_codec(encoding)):
        wrapped = io.TextIOWrapper(binary, encoding=text_codec(encoding), newline="\n")
        return text_stream_lines(wrapped, "stdin", limit=limit, bom=False)
    return binary_lines(binary, "stdin", limit=limit, encoding=encoding)


# ---------------------------------------------------------------- records


Note = Callable[[int, str], None]  # told (line, message) about a file that was read in a way worth knowing


def iter_records(
    path: str | os.PathLike,
    *,
    limit: int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    on_note: Note | None = None,
    span: Span | None = None,
) -> Iterator[tuple[int, dict | InputError]]:
    """``(line, record)`` for each row of a JSONL, CSV, TSV, XLSX or Parquet file, or ``(line, error)`` for a bad row.

    The file is read line by line, so memory stays flat however large it is;
    a bad row never stops the rows after it. Only a file that cannot be opened
    raises InputError. ``delimiter`` and ``encoding`` are what the user said of
    a .csv file (see `_iter_csv` for the header that splits on ';' or tab);
    ``on_note`` is told how a file was read when that is not the default.
    With ``span`` (from `plan_spans`), only that part's rows: the same records,
    numbered the same, as the whole file gives there.
    """
    if Path(path).suffix.lower() == PARQUET_SUFFIX:
        return iter_parquet(path, span=span)
    limit = MAX_LINE_BYTES if limit is None else limit
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        from tonecls.xlsx import iter_xlsx_records

        return iter_xlsx_records(path, shown=shown_path(path), make_record=_csv_record, on_note=on_note)
    lines = file_lines(path, limit=limit, encoding=encoding, span=span)
    header = None if span is None else span.header
    if suffix == ".tsv":
        return _iter_csv(lines, shown_path(path), limit, delimiter="\t", header=header)
    if suffix == ".csv":
        return _iter_csv(lines, shown_path(path), limit, delimiter=delimiter, on_note=on_note, header=header)
    return _iter_jsonl(lines, shown_path(path))


def _iter_jsonl(lines: Iterator[Line], path: str) -> Iterator[tuple[int, dict | InputError]]:
    for n, raw in lines:
        if isinstance(raw, InputError):
            yield n, raw
        elif raw.strip():
            yield n, json_record(raw, path, n)


class _Refused(ValueError):
    pass


def _parse_int(digits: str) -> int:
    count = len(digits) - digits.startswith("-")
    if count > MAX_INT_DIGITS:
        raise _Refused(f"number too large ({count:,} digits; the limit is {MAX_INT_DIGITS:,})")
    return int(digits)


def _parse_constant(name: str) -> float:
    raise _Refused(f"invalid JSON ({name} is not a JSON number)")


def _parse_float(text: str) -> float:
    """A JSON number with a fraction or exponent; one too large for a float (1e999999) is refused, since it
    would otherwise become inf and be written out as the text "inf"."""
    value = float(text)
    if math.isinf(value):
        raise _Refused(f"number out of range ({visible(text[:20])})")
    return value


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
_SURROGATE = re.compile("[\ud800-\udfff]")
# What in a line's JSON text can decode to a lone surrogate or a NUL: only when it is there are the
# decoded strings searched (a false alarm, such as an escaped backslash before "ud800", costs only time).
_RISKY = re.compile(r"\\u(?:[dD][89abcdefABCDEF]|0000)|[\ud800-\udfff\x00]")


def json_record(text: str, path: object, line: int) -> dict | InputError:
    """One JSON Lines record, or the InputError that says what is wrong with it."""
    try:
        row = _DECODER.decode(text.rstrip("\n"))
    except json.JSONDecodeError as exc:
        return InputError(f"invalid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})", path, line)
    except _Refused as exc:
        return InputError(str(exc), path, line)
    except RecursionError:
        return InputError(f"nested too deeply (more than {MAX_DEPTH} levels)", path, line)
    if not isinstance(row, dict):
        return InputError(f"expected a JSON object, got {type(row).__name__}", path, line)
    if not _RISKY.search(text) and text.count("[") + text.count("{") <= MAX_DEPTH:
        return row  # nothing in it can be a surrogate, a NUL or too deep: no need to walk it
    problem = record_problem(row)
    return row if problem is None else InputError(problem, path, line)


def record_problem(row: dict) -> str | None:
    """What makes a decoded record unusable, or None: nesting over `MAX_DEPTH`, a lone surrogate or a NUL.

    A lone surrogate (``"\\ud800"``) decodes to a string that no UTF-8 output can
    hold, so it is refused here, where its line is known, not when it is written.
    """
    stack: list[tuple[str, object, int]] = [(str(k), k, 1) for k in row] + [(str(k), v, 1) for k, v in row.items()]
    while stack:
        field, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested too deeply (more than {MAX_DEPTH} levels)"
        if isinstance(value, str):
            problem = _string_problem(value)
            if problem:
                return f"'{visible(field, keep='')}' holds {problem}"
        elif isinstance(value, dict):
            stack.extend((field, k, depth + 1) for k in value)
            stack.extend((field, v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((field, v, depth + 1) for v in value)
    return None


def _string_problem(value: str) -> str | None:
    found = _SURROGATE.search(value)
    if found:
        return f"an invalid Unicode escape (lone surrogate \\u{ord(found.group()):04x})"
    if "\x00" in value:
        return "a NUL character (\\u0000)"
    return None


# ---------------------------------------------------------------- CSV


@dataclass
class _Unclosed:
    """A row whose quote never closes (by the end of the file, or within the length limit)."""

    first: Line
    at_end: bool


def _quotes(text: str | BadLine) -> int:
    return text.quotes if isinstance(text, BadLine) else text.count('"')


def _size(text: str | BadLine) -> int:
    return max(text.size, 1) if isinstance(text, BadLine) else len(text)


def _csv_chunks(lines: Iterator[Line], limit: int) -> Iterator[list[Line] | _Unclosed]:
    """Lines grouped into whole CSV rows: a row ends on the first line where its '"' count is even.

    That is where the csv module ends a row too, so a bad row can be skipped
    alone. When the count never evens out (a quote opened and never closed,
    or a row longer than ``limit``), only the row's first line is given up and
    the lines after it are read again as rows.
    """
    for chunk, _ in _csv_chunks_placed(lines, limit):
        yield chunk


def _csv_chunks_placed(lines: Iterator[Line], limit: int) -> Iterator[tuple[list[Line] | _Unclosed, bool]]:
    """`_csv_chunks`, each with whether no line after its start had been read yet (none pushed back): a
    reader that starts on that chunk's first line reads exactly what follows, so a `Span` may start there."""
    pending: deque[Line] = deque()

    def next_line() -> Line | None:
        return pending.popleft() if pending else next(lines, None)

    while True:
        clean = not pending
        first = next_line()
        if first is None:
            return
        chunk, quotes, size = [first], _quotes(first[1]), _size(first[1])
        while quotes % 2 and size <= limit and (following := next_line()) is not None:
            chunk.append(following)
            quotes += _quotes(following[1])
            size += _size(following[1])
        if quotes % 2:
            yield _Unclosed(first, at_end=size <= limit), clean
            pending.extendleft(reversed(chunk[1:]))
        else:
            yield chunk, clean


def _chunk_rows(
    chunk: list[Line] | _Unclosed, path: str, limit: int, delimiter: str = ","
) -> Iterator[tuple[int, list[str] | InputError]]:
    """The CSV rows of one chunk; an error gives up the rest of the chunk (it is inside the bad row)."""
    if isinstance(chunk, _Unclosed):
        line, text = chunk.first
        if isinstance(text, BadLine):
            yield line, text
            return
        where = "by the end of the file" if chunk.at_end else f"within {limit:,} bytes"
        yield line, InputError(f"invalid CSV (a quote opened on this line is not closed {where})", path, line)
        return
    first, last = chunk[0][0], chunk[-1][0]
    span = f"; lines {first}-{last} skipped" if last > first else ""
    bad = next((text for _, text in chunk if isinstance(text, BadLine)), None)
    if bad is not None:
        yield bad.line, InputError(bad.message + span, path, bad.line)
        return
    pieces, starts = [], []
    for n, text in chunk:
        for piece in _pieces(text):
            pieces.append(piece)
            starts.append(n)
    reader = csv.reader(pieces, strict=True, delimiter=delimiter)
    while (i := reader.line_num) < len(pieces):
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            rest = f"; lines {starts[i]}-{last} skipped" if last > starts[i] else ""
            yield starts[i], InputError(f"invalid CSV ({exc}){rest}", path, starts[i])
            return
        yield starts[i], cells


def _pieces(text: str) -> list[str]:
    """A line cut at each "\n" (a lone CR became one): the csv module wants one line at a time."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


SNIFFED = (";", "\t")  # what a spreadsheet exports instead of commas (a European locale; "Text (Tab delimited)")


def _iter_csv(
    lines: Iterator[Line],
    path: str,
    limit: int,
    *,
    delimiter: str | None = None,
    on_note: Note | None = None,
    header: Sequence[str] | None = None,
) -> Iterator[tuple[int, dict | InputError]]:
    """Rows of a CSV file as records keyed by its header; ``delimiter`` None means a comma, or ';' or a tab
    when the header has no 'text' column on commas but has one on that character (said to ``on_note``).
    ``header``: the file's header, for lines that start after it (a `Span`; only comma files are cut)."""
    header = None if header is None else list(header)
    kind = "TSV" if delimiter == "\t" else "CSV"
    sep = delimiter or ","
    for chunk in _csv_chunks(lines, limit):
        rows: Iterable[tuple[int, list[str] | InputError]] = _chunk_rows(chunk, path, limit, sep)
        if header is None:
            rows = list(rows)
            if delimiter is None and rows and not _has_text_column(rows[0][1]):
                found = _sniffed(chunk, path, limit)
                if found is not None:
                    sep, rows = found
                    if on_note:
                        shown, option = ("tabs", "tab") if sep == "\t" else (f"'{sep}'", f"'{sep}'")
                        message = f"columns are separated by {shown}, not commas: read as with --delimiter {option}"
                        on_note(rows[0][0], message)
        for line, cells in rows:
            if header is None:
                if isinstance(cells, InputError):
                    message = cells.message.replace("invalid CSV (", f"invalid {kind} header (", 1)
                    yield line, InputError(message, path, line)
                    return
                header = csv_header_names(cells)
                if "text" not in header:
                    columns = visible(", ".join(header), keep="") or "none"
                    hint = "; give --delimiter if its columns are not separated by commas" if len(header) == 1 else ""
                    yield line, InputError(f"{kind} has no 'text' column (columns: {columns}){hint}", path, line)
                    return
                continue
            if isinstance(cells, InputError):
                yield line, cells
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                yield line, InputError(f"{len(cells)} cells but the header has {len(header)} columns", path, line)
                continue
            yield line, _csv_record(header, cells)


def csv_header_names(cells: list[str]) -> list[str]:
    return [h.strip().lower() for h in cells]


def _has_text_column(cells: list[str] | InputError) -> bool:
    return not isinstance(cells, InputError) and "text" in (c.strip().lower() for c in cells)


def _sniffed(chunk: list[Line] | _Unclosed, path: str, limit: int) -> tuple[str, list] | None:
    """The header chunk split on ';' or a tab, when that gives it a 'text' column; else None."""
    for sep in SNIFFED:
        rows = list(_chunk_rows(chunk, path, limit, sep))
        if rows and _has_text_column(rows[0][1]):
            return sep, rows
    return None


def _csv_record(header: list[str], cells: list[str]) -> dict:
    row = dict(zip(header, cells, strict=False))
    if "labels" in row:
        row["labels"] = [t.strip() for t in row["labels"].split(";") if t.strip()]
    if "constructed" in row:
        row["constructed"] = row["constructed"].strip().lower() in ("1", "true", "yes")
    return row


# ---------------------------------------------------------------- Parquet

PARQUET_SUFFIX = ".parquet"
PARQUET_COLUMNS = ("id", "text", "actor", "date", "speaker")  # what `score` reads; other columns are not loaded
PARQUET_BATCH = 4096  # rows decoded at a time: memory stays about one row group and one batch


def pyarrow_parquet():
    """``pyarrow.parquet``, imported only when a Parquet file is read or written; a one-line error without it."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("Parquet needs pyarrow: pip install 'tonecls[parquet]'") from None
    return pq


def open_parquet(path: str | os.PathLike):
    """A ``pyarrow.parquet.ParquetFile``, or an InputError naming the file when it is not one."""
    pq = pyarrow_parquet()
    import pyarrow

    shown = shown_path(path)
    try:
        return pq.ParquetFile(path)
    except pyarrow.ArrowException as exc:  # not a Parquet file, or a corrupted footer
        raise InputError(f"not a readable Parquet file ({_one_line(exc)})", shown) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or _one_line(exc)}", shown) from None


def parquet_row_offsets(parquet_file) -> list[int]:
    """The number of the first row (1-based) of each row group, and one past the last row at the end."""
    offsets = [1]
    for i in range(parquet_file.metadata.num_row_groups):
        offsets.append(offsets[-1] + parquet_file.metadata.row_group(i).num_rows)
    return offsets


def iter_parquet(
    path: str | os.PathLike, *, span: Span | None = None, batch_size: int = PARQUET_BATCH
) -> Iterator[tuple[int, dict | InputError]]:
    """``(row, record)`` for each row of a Parquet file (rows numbered from 1), or ``(row, error)`` for a bad one.

    Only the columns `score` uses are read, one record batch at a time, so
    memory stays flat however large the file is. Column names match as in CSV,
    whatever their case. Values become what a JSON Lines record would hold:
    dates and times as ISO text, NaN as missing. ``span`` reads only its row
    groups (a part of the file, see `plan_spans`). A file that cannot be opened or has no
    ``text`` column raises InputError; a part that cannot be decoded ends the
    file with one error naming the row where it starts.
    """
    shown = shown_path(path)
    pf = open_parquet(path)
    import pyarrow

    by_lower = {name.lower(): name for name in reversed(pf.schema_arrow.names)}
    if "text" not in by_lower:
        columns = visible(", ".join(pf.schema_arrow.names), keep="") or "none"
        raise InputError(f"Parquet file has no 'text' column (columns: {columns})", shown)
    wanted = {by_lower[c]: c for c in PARQUET_COLUMNS if c in by_lower}
    offsets = parquet_row_offsets(pf)
    stop = pf.metadata.num_row_groups if span is None or span.stop is None else span.stop
    for group in range(0 if span is None else span.start, stop):
        row = offsets[group]
        try:
            for batch in pf.iter_batches(batch_size=batch_size, row_groups=[group], columns=list(wanted)):
                for values in batch.to_pylist():
                    yield row, _parquet_record({wanted[k]: v for k, v in values.items()}, shown, row)
                    row += 1
        except (pyarrow.ArrowException, OSError) as exc:
            yield row, InputError(f"cannot decode rows from here on ({_one_line(exc)})", shown, row)
            return


def _parquet_record(values: dict, path: str, row: int) -> dict | InputError:
    record = {k: v if k == "text" and isinstance(v, bytes) else _plain(v) for k, v in values.items()}
    problem = record_problem(record)
    return record if problem is None else InputError(problem, path, row)


def _plain(value: object) -> object:
    """A Parquet value as JSON would hold it: text, a number, true/false or None."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if hasattr(value, "isoformat"):  # date, time, datetime
        return value.isoformat()
    return str(value)  # decimals, bytes, nested values: as text


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---------------------------------------------------------------- parts of a file


@dataclass(frozen=True)
class Span:
    """A part of a JSONL, CSV or Parquet file that can be read on its own (by another process or machine).

    Read with ``iter_records(path, span=span)``, it gives exactly the records,
    errors and line numbers that reading the whole file gives there.
    JSONL and CSV: ``start``/``stop`` are byte offsets where lines start
    (``stop`` None: the end of the file), ``first_line`` the number of the line
    at ``start``, and a CSV span after the first carries the file's ``header``.
    Parquet: ``start``/``stop`` are row group numbers.
    """

    start: int = 0
    stop: int | None = None
    first_line: int = 1
    header: tuple[str, ...] | None = None

    @property
    def first(self) -> bool:
        return self.start == 0


class _Capped:
    """A binary file that ends at ``stop``: what a reader of one `Span` sees."""

    def __init__(self, raw: IO[bytes], pos: int, stop: int | None):
        self._raw, self._pos, self._stop = raw, pos, stop

    def _allowed(self, size: int) -> int:
        if self._stop is None:
            return size
        left = max(self._stop - self._pos, 0)
        return left if size is None or size < 0 else min(size, left)

    def read(self, size: int = -1) -> bytes:
        allowed = self._allowed(size)
        data = self._raw.read(allowed) if allowed else b""
        self._pos += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        allowed = self._allowed(size)
        data = self._raw.readline(allowed) if allowed else b""
        self._pos += len(data)
        return data

    def seek(self, pos: int) -> int:
        self._pos = self._raw.seek(pos)
        return self._pos

    def close(self) -> None:
        self._raw.close()


UNCUT_SUFFIXES = (".tsv", ".xlsx")  # read whole by one worker: a spreadsheet, or a header split on tabs
SPAN_BYTES = 16 * 1024 * 1024  # default size of a part: some 40,000 statements, a few seconds of scoring
_SCAN_BLOCK = 4 * 1024 * 1024


def plan_spans(path: str | os.PathLike, target: int = SPAN_BYTES, *, limit: int | None = None) -> list[Span]:
    """Parts of about ``target`` bytes that together read as the whole file (one part if it cannot be cut).

    JSONL is cut after a newline (its lines are counted on the way, at disk
    speed); CSV where a row starts and no line after it has been read (the
    reader's own grouping decides, so quoted line breaks stay inside their
    row); Parquet between row groups. A TSV or XLSX file, a file with a UTF-16 or UTF-32 byte
    order mark, a CSV file whose header cannot be read, or anything that
    cannot be opened is one part, and its reader reports the problem.
    """
    suffix = Path(path).suffix.lower()
    if suffix in UNCUT_SUFFIXES:
        return [Span()]
    try:
        if suffix == PARQUET_SUFFIX:
            return _parquet_spans(path, target)
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(4)
        if size <= target or any(head.startswith(bom) for bom, _ in _BOMS):
            return [Span()]
        if suffix == ".csv":
            return _csv_spans(path, target, MAX_LINE_BYTES if limit is None else limit)
        return _line_spans(path, target, size)
    except (OSError, InputError):
        return [Span()]


def _line_spans(path: str | os.PathLike, target: int, size: int) -> list[Span]:
    spans: list[Span] = []
    start, first_line, line = 0, 1, 1
    pos = 0  # bytes of the file before the block
    cut_after = target  # the next cut is at the first line start at or after this offset
    with open(path, "rb") as fh:
        while block := fh.read(_SCAN_BLOCK):
            at = 0  # bytes of the block whose newlines are counted
            while (want := cut_after - 1 - pos) < len(block):
                newline = block.find(b"\n", max(want, at))
                if newline < 0:
                    break
                line += block.count(b"\n", at, newline + 1)
                at = newline + 1
                cut = pos + at
                if cut >= size:
                    break
                spans.append(Span(start, cut, first_line))
                start, first_line = cut, line
                cut_after = cut + target
            line += block.count(b"\n", at)
            pos += len(block)
    spans.append(Span(start, None, first_line))
    return spans


def _csv_spans(path: str | os.PathLike, target: int, limit: int) -> list[Span]:
    shown = shown_path(path)
    starts: deque[tuple[int, int]] = deque()  # (line, offset) of lines read and not yet grouped

    def lines() -> Iterator[Line]:
        with open(path, "rb") as fh:
            for n, text, offset in placed_lines(fh, shown, limit=limit):
                starts.append((n, offset))
                yield n, text

    spans: list[Span] = []
    header: tuple[str, ...] | None = None
    start, first_line, cut_after = 0, 1, target
    for chunk, clean in _csv_chunks_placed(lines(), limit):
        line = chunk.first[0] if isinstance(chunk, _Unclosed) else chunk[0][0]
        while starts and starts[0][0] < line:
            starts.popleft()
        if header is None:
            rows = list(_chunk_rows(chunk, shown, limit))
            cells = rows[0][1] if rows else None
            if isinstance(cells, InputError) or cells is None or "text" not in csv_header_names(cells):
                return [Span()]  # the reader reports the bad header
            header = tuple(csv_header_names(cells))
            continue
        offset = starts[0][1]
        if clean and offset >= cut_after:
            spans.append(Span(start, offset, first_line, None if start == 0 else header))
            start, first_line, cut_after = offset, line, offset + target
    spans.append(Span(start, None, first_line, None if start == 0 else header))
    return spans


def _parquet_spans(path: str | os.PathLike, target: int) -> list[Span]:
    meta = open_parquet(path).metadata
    spans: list[Span] = []
    start, size = 0, 0
    for group in range(meta.num_row_groups):
        size += meta.row_group(group).total_byte_size
        if size >= target and group + 1 < meta.num_row_groups:
            spans.append(Span(start, group + 1))
            start, size = group + 1, 0
    spans.append(Span(start, meta.num_row_groups if spans else None))
    return spans
