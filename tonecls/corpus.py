"""Labeled statements: read JSONL and CSV label files, validate them, append to them.

Every problem is reported with its file and line, because an analyst fixing a
label file needs to know where to look.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tonecls.errors import InputError
from tonecls.grouping import near_duplicate_pairs, text_key
from tonecls.output import json_line
from tonecls.tones import TONES

LABEL_SUFFIXES = (".jsonl", ".csv")
SHORT_WORDS = 2
LONG_WORDS = 150
META_KEYS = ("speaker", "actor", "date", "kind", "sources", "note", "situation", "context", "source")


@dataclass
class Statement:
    """One statement with its tones; ``meta`` keeps speaker, actor, date and the rest."""

    text: str
    labels: tuple[str, ...] = ()
    id: str | None = None
    constructed: bool = False
    meta: dict = field(default_factory=dict)
    path: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else (self.id or "")

    def to_json(self) -> dict:
        row = {"id": self.id} if self.id is not None else {}
        row.update(text=self.text, labels=list(self.labels))
        if self.constructed:
            row["constructed"] = True
        row.update(self.meta)
        return row


@dataclass(frozen=True)
class Issue:
    """A validation finding: ``error`` stops training, ``warning`` is for a look."""

    level: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.level}: {self.message}"


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode(data: bytes, path: object) -> str:
    """UTF-8 (a BOM is dropped), or UTF-16/32 when a BOM says so; anything else is an error naming the line.

    Latin-1 and other 8-bit encodings are not guessed: a wrong guess would
    silently change the words the model reads.
    """
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


def read_text_file(path: str | os.PathLike) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    return decode(data, path)


def iter_records(path: str | os.PathLike) -> Iterator[tuple[int, dict | InputError]]:
    """``(line, record)`` for each row of a JSONL or CSV file, or ``(line, error)`` for a bad row.

    The file is read line by line, so memory stays flat however large it is.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        yield from _iter_csv(text_lines(path), path)
    else:
        yield from _iter_jsonl(text_lines(path), path)


def text_lines(path: Path) -> Iterator[tuple[int, str | InputError]]:
    """``(line number, text)`` of each line, newline kept; a line that cannot be decoded comes as an error.

    UTF-8 is decoded line by line (a BOM on the first line is dropped); a file
    with a UTF-16 or UTF-32 byte order mark is decoded whole, as `decode` does.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in the finally below, after the generator is done
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        head = fh.read(4)
        if any(head.startswith(bom) for bom, _ in _BOMS):
            text = decode(head + fh.read(), path)
            yield from enumerate(text.splitlines(keepends=True), start=1)
            return
        fh.seek(0)
        yield from decoded_lines(fh, path)
    finally:
        fh.close()


def decoded_lines(binary: IO[bytes], path: object) -> Iterator[tuple[int, str | InputError]]:
    """Lines of a binary stream as UTF-8 text (a first-line BOM dropped); a NUL byte or bad UTF-8 is an error."""
    offset = 0
    for n, raw in enumerate(binary, start=1):
        if b"\x00" in raw:
            yield n, InputError("contains NUL bytes: a binary file, not text", path, n)
        else:
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield n, InputError(f"not valid UTF-8 (byte {offset + exc.start}); save the file as UTF-8", path, n)
            else:
                yield n, line.replace("\r\n", "\n").replace("\r", "\n")
        offset += len(raw)


def _iter_jsonl(lines: Iterator[tuple[int, str | InputError]], path: Path) -> Iterator[tuple[int, dict | InputError]]:
    for n, raw in lines:
        if isinstance(raw, InputError):
            yield n, raw
            continue
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.rstrip("\n"))
        except json.JSONDecodeError as exc:
            yield n, InputError(f"invalid JSON ({exc.msg} at column {exc.colno})", path, n)
            continue
        if not isinstance(row, dict):
            yield n, InputError(f"expected a JSON object, got {type(row).__name__}", path, n)
            continue
        yield n, row


class _LineError(Exception):
    def __init__(self, error: InputError):
        self.error = error


def _csv_text(lines: Iterator[tuple[int, str | InputError]]) -> Iterator[str]:
    for _, line in lines:
        if isinstance(line, InputError):
            raise _LineError(line)
        yield line


def _iter_csv(lines: Iterator[tuple[int, str | InputError]], path: Path) -> Iterator[tuple[int, dict | InputError]]:
    reader = csv.reader(_csv_text(lines), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield 1, InputError(f"invalid CSV header ({exc})", path, 1)
        return
    except _LineError as exc:
        yield exc.error.line, exc.error
        return
    if header is None:
        return
    header = [h.strip().lower() for h in header]
    if "text" not in header:
        yield 1, InputError(f"CSV has no 'text' column (columns: {', '.join(header) or 'none'})", path, 1)
        return
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, InputError(f"invalid CSV ({exc})", path, reader.line_num)
            return
        except _LineError as exc:  # a CSV record may span lines: what follows a bad line cannot be trusted
            yield exc.error.line, exc.error
            return
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            yield line, InputError(f"{len(cells)} cells but the header has {len(header)} columns", path, line)
            continue
        row = dict(zip(header, cells, strict=False))
        if "labels" in row:
            row["labels"] = [t.strip() for t in row["labels"].split(";") if t.strip()]
        if "constructed" in row:
            row["constructed"] = row["constructed"].strip().lower() in ("1", "true", "yes")
        yield line, row


def suggest_tone(name: str) -> str:
    parts = [p for p in re.split(r"[\s,]+", str(name).strip()) if p]
    if len(parts) > 1 and all(p in TONES for p in parts):
        return "; give each tone separately (in CSV, separate tones with ';')"
    match = difflib.get_close_matches(str(name).strip().lower(), TONES, n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else f"; tones are {', '.join(TONES)}"


def statement_from_row(row: dict, path: Path, line: int, *, labeled: bool = True) -> Statement:
    """Check one row and build a Statement, or raise InputError naming the problem."""
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError("missing or empty 'text'", path, line)
    labels: tuple[str, ...] = ()
    if labeled:
        raw = row.get("labels")
        if raw is None:
            raise InputError("missing 'labels' (use [] for a statement with no tone)", path, line)
        if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
            raise InputError("'labels' must be a list of tone names", path, line)
        for tone in raw:
            if tone not in TONES:
                raise InputError(f"unknown tone {tone!r}{suggest_tone(tone)}", path, line)
        labels = tuple(t for t in TONES if t in raw)
    rid = row.get("id")
    meta = {k: row[k] for k in META_KEYS if row.get(k) not in (None, "")}
    return Statement(
        text=text,
        labels=labels,
        id=None if rid in (None, "") else str(rid),
        constructed=row.get("constructed") is True,
        meta=meta,
        path=str(path),
        line=line,
    )


def label_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Label files named, or found below the folders named (sorted, so runs repeat)."""
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in LABEL_SUFFIXES and f.is_file()))
        elif p.exists():
            files.append(p)
        else:
            raise InputError("no such file or folder", p)
    if not files:
        raise InputError(f"no label files ({', '.join(LABEL_SUFFIXES)}) in {', '.join(map(str, paths))}")
    return files


def validate(paths: Iterable[str | os.PathLike]) -> tuple[list[Statement], list[Issue]]:
    """Read every label file and return the good statements and every issue found."""
    statements: list[Statement] = []
    issues: list[Issue] = []
    for path in label_files(paths):
        try:
            for line, row in iter_records(path):
                if isinstance(row, InputError):
                    issues.append(Issue("error", str(path), line, row.message))
                    continue
                try:
                    statements.append(statement_from_row(row, path, line))
                except InputError as exc:
                    issues.append(Issue("error", str(path), line, exc.message))
        except InputError as exc:
            issues.append(Issue("error", str(path), exc.line, exc.message))
    issues.extend(_check_across(statements))
    issues.sort(key=lambda i: (i.path, i.line or 0, i.level))
    return statements, issues


def _check_across(statements: list[Statement]) -> list[Issue]:
    issues = []
    ids: dict[str, Statement] = {}
    texts: dict[str, Statement] = {}
    for s in statements:
        if s.id is not None:
            if s.id in ids:
                issues.append(Issue("error", s.path, s.line, f"duplicate id {s.id!r} (first at {ids[s.id].where})"))
            else:
                ids[s.id] = s
        key = text_key(s.text)
        first = texts.setdefault(key, s)
        if first is not s:
            if set(first.labels) != set(s.labels):
                issues.append(
                    Issue(
                        "error",
                        s.path,
                        s.line,
                        f"same text as {first.where} but labels {list(s.labels)} vs {list(first.labels)}",
                    )
                )
            else:
                issues.append(Issue("warning", s.path, s.line, f"duplicate text (same as {first.where})"))
        words = len(key.split())
        if words < SHORT_WORDS:
            issues.append(Issue("warning", s.path, s.line, f"very short text ({words} word)"))
        elif words > LONG_WORDS:
            issues.append(Issue("warning", s.path, s.line, f"very long text ({words} words)"))
    for i, j in near_duplicate_pairs([s.text for s in statements]):
        a, b = statements[i], statements[j]
        if text_key(a.text) != text_key(b.text):
            issues.append(Issue("warning", b.path, b.line, f"near-duplicate of {a.where}"))
    return issues


def read_statements(paths: Iterable[str | os.PathLike]) -> list[Statement]:
    """Validated statements; the first error (and how many there are) raises InputError."""
    statements, issues = validate(paths)
    errors = [i for i in issues if i.level == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more errors: run `tonecls validate`)" if len(errors) > 1 else ""
        raise InputError(first.message + more, first.path, first.line)
    if not statements:
        raise InputError("no statements found", ", ".join(map(str, paths)))
    return statements


def append_statement(path: str | os.PathLike, statement: Statement) -> None:
    """Append one JSON line whole and fsync it, so a crash loses nothing accepted and tears nothing."""
    from tonecls.atomic import append_bytes

    path = Path(path)
    line = json_line(statement.to_json()) + "\n"
    append_bytes(path, jsonl_tail(path) + line.encode("utf-8"))


_TAIL_BLOCK = 1 << 16


def jsonl_tail(path: str | os.PathLike) -> bytes:
    """What must go before a line appended to a JSONL file: b"" normally, b"\\n" if a whole record lacks its newline.

    A last line that is not a whole JSON record (an append cut off by a full
    disk or a crash, before tonecls wrote appends whole) would swallow the next
    appended line, so it is refused with its line number instead.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size == 0:
                return b""
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return b""
            tail = _last_line(fh, size)
            try:
                whole = tail.strip() == b"" or isinstance(json.loads(tail.decode("utf-8-sig")), dict)
            except (UnicodeDecodeError, json.JSONDecodeError):
                whole = False
            if whole:
                return b"\n"
            fh.seek(0)
            line = 1 + sum(block.count(b"\n") for block in iter(lambda: fh.read(_TAIL_BLOCK), b""))
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    raise InputError(
        "the last line is cut off (an earlier write did not finish); delete or complete it, then run again",
        path,
        line,
    )


def _last_line(fh: IO[bytes], size: int) -> bytes:
    """The bytes after the last newline of a file, read backwards in blocks."""
    tail = b""
    end = size
    while end > 0:
        start = max(0, end - _TAIL_BLOCK)
        fh.seek(start)
        tail = fh.read(end - start) + tail
        end = start
        if b"\n" in tail:
            break
    return tail.rsplit(b"\n", 1)[-1]
