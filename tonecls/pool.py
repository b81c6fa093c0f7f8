"""Unlabeled statements waiting for a label (the output of `tonecls extract`)."""

from __future__ import annotations

import os
from pathlib import Path

from tonecls.corpus import Statement, iter_records, statement_from_row
from tonecls.errors import InputError


def read_pool(path: str | os.PathLike) -> list[Statement]:
    """Statements of a pool file (JSONL or CSV with a `text` column); a bad row is an error with its line."""
    path = Path(path)
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
