"""Scored rows as columns: the Parquet output of `score` and the frames of the Dask API.

A row of `score_batch` becomes one record of fixed columns: ``id``, ``tones``
(a list of tone names), one ``score_<tone>`` float per tone, ``actor``,
``date``, ``speaker``, ``note`` (see `tonecls.coverage`; empty for most rows)
and ``text``. Carried fields are text here (a JSON number or list is written
as its JSON text), because a Parquet column has one type.
pyarrow is imported only when a Parquet file is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO

from tonecls.batch import CARRIED
from tonecls.tones import TONES

SCORE_COLUMNS = tuple(f"score_{t}" for t in TONES)
COLUMNS = ("id", "tones", *SCORE_COLUMNS, *CARRIED, "note", "text")
ROW_GROUP = 16_384  # rows per Parquet row group: large enough to compress well, small enough to hold as dicts


def as_text(value: object) -> str | None:
    """A carried value as one Parquet text cell: text as it is, anything else as its JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def to_columns(rows: Iterable[dict]) -> dict[str, list]:
    """Rows of `score_batch` as a dict of equally long columns, in `COLUMNS` order."""
    out: dict[str, list] = {name: [] for name in COLUMNS}
    for row in rows:
        out["id"].append(as_text(row.get("id")))
        out["tones"].append(list(row["tones"]))
        for tone, name in zip(TONES, SCORE_COLUMNS, strict=True):
            out[name].append(row["scores"][tone])
        for key in CARRIED:
            out[key].append(as_text(row.get(key)))
        out["note"].append(row.get("note"))
        out["text"].append(row["text"])
    return out


def arrow_schema():
    import pyarrow as pa

    fields = [("id", pa.string()), ("tones", pa.list_(pa.string()))]
    fields += [(name, pa.float64()) for name in SCORE_COLUMNS]
    fields += [(key, pa.string()) for key in (*CARRIED, "note", "text")]
    return pa.schema(fields)


def _groups(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    it = iter(rows)
    while group := list(islice(it, size)):
        yield group


def write_parquet(rows: Iterable[dict], fh: IO[bytes], *, row_group: int = ROW_GROUP) -> int:
    """Write rows to an open binary file as Parquet, ``row_group`` rows at a time; returns how many."""
    import pyarrow as pa

    from tonecls.readers import pyarrow_parquet

    pq = pyarrow_parquet()
    schema = arrow_schema()
    count = 0
    with pq.ParquetWriter(fh, schema) as writer:
        for group in _groups(rows, row_group):
            writer.write_table(pa.Table.from_pydict(to_columns(group), schema=schema))
            count += len(group)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


def write_tables(tables: Iterable, fh: IO[bytes], *, row_group: int = ROW_GROUP) -> int:
    """Write Arrow tables of scored rows (`tonecls.score.render_rows`) to an open binary file as one Parquet
    file; small tables are gathered into row groups of about ``row_group`` rows."""
    import pyarrow as pa

    from tonecls.readers import pyarrow_parquet

    pq = pyarrow_parquet()
    schema = arrow_schema()
    count = 0
    waiting: list = []
    with pq.ParquetWriter(fh, schema) as writer:
        for table in tables:
            waiting.append(table)
            count += table.num_rows
            if sum(t.num_rows for t in waiting) >= row_group:
                writer.write_table(pa.concat_tables(waiting))
                waiting = []
        if waiting or count == 0:
            writer.write_table(pa.concat_tables(waiting) if waiting else schema.empty_table())
    return count
