"""Unlabeled statements waiting for a label (the output of `tonecls extract`)."""

from __future__ import annotations

import os
from pathlib import Path

from tonecls.corpus import Statement, iter_records, statement_from_row
from tonecls.errors import InputError


def read_pool(path: str | os.PathLike) -> list[Statement]:
    """Statements of a pool file (JSONL or CSV with a `text` column); a bad row is an error with its line."""
    path = Path(path)
    refuse_article(path)
    out = []
    for line, row in iter_records(path):
        if isinstance(row, InputError):
            raise row
        statement = statement_from_row(row, path, line, labeled=False)
        if statement.id is None:
            statement.id = f"{path.stem}:{line}"
        out.append(statement)
    if not out:
        raise InputError("no statements in this pool", path)
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
