"""Parts of a file read on their own give exactly what the whole file gives (what `--dask` relies on)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecls.readers import Span, iter_records, plan_spans


def records(path: Path, limit: int | None, span: Span | None = None) -> list:
    return [(n, r if isinstance(r, dict) else ("error", str(r))) for n, r in iter_records(path, limit=limit, span=span)]


# Pieces of hostile JSONL and CSV: quoted line breaks, quotes that never close, bad UTF-8, NUL, lone CR, long lines.
PIECES = [
    b'{"text": "a b"}\n',
    b'{"id": 1, "text": "x"}\n',
    b"not json\n",
    b"\n",
    b"\xff\xfe bad\n",
    b"text,id\n",
    b'"a\nb",2\n',
    b'"unclosed,3\n',
    b"plain,4\n",
    b"x" * 50 + b"\n",
    b'"q""q",5\r\n',
    b"a\rb,6\n",
    b"\x00,7\n",
    b'"',
    b",,\n",
    '{"text": "é ü"}\n'.encode(),
]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=30),
    head=st.sampled_from([b"", b"text,id\n", b"id,text\n", b"\xef\xbb\xbftext\n", b"body\n"]),
    suffix=st.sampled_from([".jsonl", ".csv"]),
    target=st.integers(1, 80),
    limit=st.sampled_from([None, 20, 45]),
)
def test_spans_read_exactly_as_the_whole_file(pieces, head, suffix, target, limit):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"in{suffix}"
        path.write_bytes(head + b"".join(pieces))
        whole = records(path, limit)
        spans = plan_spans(path, target, limit=limit)
        assert spans[0].start == 0 and spans[-1].stop is None
        assert all(a.stop == b.start for a, b in zip(spans, spans[1:], strict=False))
        assert [r for span in spans for r in records(path, limit, span)] == whole


def test_a_large_jsonl_file_is_cut_after_newlines_with_line_numbers(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(b'{"id": %d, "text": "statement %d"}\n' % (i, i) for i in range(1, 2001)))
    spans = plan_spans(path, 4096)
    assert len(spans) > 10
    for span in spans:
        first = next(iter_records(path, span=span))
        assert first[0] == span.first_line and first[1]["id"] == span.first_line


def test_a_file_with_a_utf16_byte_order_mark_is_one_part(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_bytes(("".join(json.dumps({"text": f"t{i}"}) + "\n" for i in range(500))).encode("utf-16"))
    assert plan_spans(path, 100) == [Span()]
    assert len(list(iter_records(path, span=Span()))) == 500


def test_parquet_is_cut_between_row_groups(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (pip install 'tonecls[parquet]')")
    import pyarrow.parquet as pq

    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": [f"statement {i}" for i in range(100)]}), path, row_group_size=10)
    spans = plan_spans(path, 1)
    assert [(s.start, s.stop) for s in spans] == [(i, i + 1) for i in range(10)]
    parts = [r for span in spans for r in records(path, None, span)]
    assert parts == records(path, None) and [n for n, _ in parts] == list(range(1, 101))
