"""Labeled statements: validate the records of JSONL and CSV label files, append to them.

Every problem is reported with its file and line, because an analyst fixing a
label file needs to know where to look. Reading and decoding the files is
`tonecls.readers`' job.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tonecls.errors import InputError
from tonecls.grouping import near_duplicate_pairs, text_key
from tonecls.output import json_line, visible
from tonecls.readers import iter_records, shown_path, walk_files
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
        return visible(f"{where}: {self.level}: {self.message}", keep="")


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
        path=shown_path(path),
        line=line,
    )


def label_files(paths: Iterable[str | os.PathLike], *, unreadable: list[InputError] | None = None) -> list[Path]:
    """Label files named, or found below the folders named (sorted, so runs repeat).

    A folder below that cannot be read (or a label file name that is not a
    regular file) is added to ``unreadable`` when it is given, else raised.
    """
    paths = list(paths)
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = []
            for f in walk_files(p, LABEL_SUFFIXES):
                if isinstance(f, InputError):
                    if unreadable is None:
                        raise f
                    unreadable.append(f)
                else:
                    found.append(f)
            files.extend(sorted(found))
        elif p.exists():
            files.append(p)
        else:
            raise InputError("no such file or folder", shown_path(p))
    if not files:
        shown = ", ".join(shown_path(p) for p in paths)
        raise InputError(f"no label files ({', '.join(LABEL_SUFFIXES)}) in {shown}")
    return files


def validate(paths: Iterable[str | os.PathLike]) -> tuple[list[Statement], list[Issue]]:
    """Read every label file and return the good statements and every issue found."""
    statements: list[Statement] = []
    unreadable: list[InputError] = []
    files = label_files(paths, unreadable=unreadable)
    issues = [Issue("error", e.path or "", e.line, e.message) for e in unreadable]
    for path in files:
        shown = shown_path(path)
        try:
            for line, row in iter_records(path):
                if isinstance(row, InputError):
                    issues.append(Issue("error", shown, line, row.message))
                    continue
                try:
                    statements.append(statement_from_row(row, path, line))
                except InputError as exc:
                    issues.append(Issue("error", shown, line, exc.message))
        except InputError as exc:
            issues.append(Issue("error", shown, exc.line, exc.message))
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
        raise InputError("no statements found", ", ".join(shown_path(p) for p in paths))
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
