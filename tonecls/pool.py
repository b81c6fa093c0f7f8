"""Unlabeled statements waiting for a label (the output of `tonecls extract`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tonecls.corpus import Statement, statement_from_row
from tonecls.errors import InputError
from tonecls.readers import iter_records, shown_path


def read_pool(path: str | os.PathLike, on_skip: Callable[[InputError], None] | None = None) -> list[Statement]:
    """Statements of a pool file (JSONL or CSV with a `text` column).

    A bad row is passed to ``on_skip`` (with its file and line) and left out,
    so one broken record does not stop a labeling session; a pool with no
    usable row at all is an error.
    """
    path = Path(path)
    refuse_article(path)
    out = []
    first_error = None
    for line, row in iter_records(path):
        try:
            if isinstance(row, InputError):
                raise row
            statement = statement_from_row(row, shown_path(path), line, labeled=False)
        except InputError as exc:
            first_error = first_error or exc
            if on_skip:
                on_skip(exc)
            continue
        if statement.id is None:
            statement.id = f"{shown_path(path.stem)}:{line}"
        out.append(statement)
    if not out:
        more = f" (first problem: {first_error})" if first_error else ""
        raise InputError(f"no statements in this pool{more}", shown_path(path))
    return out


ARTICLE_SUFFIXES = (".txt", ".md")


def refuse_article(path: Path) -> None:
    """An article where a pool is expected is an error that says how to make the pool.

    Not extracted on the fly: extraction is a step whose output is worth a look (who was found, who was
    missed), and the pool it writes is what keeps statement ids, and so the labels made from them, stable
    from one run of `suggest` or `label` to the next.
    """
    if path.suffix.lower() in ARTICLE_SUFFIXES:
        raise InputError(
            "this is an article, not a pool of statements; make a pool first with "
            f"`tonecls extract {path} --out pool.jsonl` and pass pool.jsonl",
            path,
        )
