"""Generated hostile input: score never crashes, every line is scored or skipped with its file:line, and what
it writes is valid UTF-8 that the project's own reader and `report` read back."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecls.cli import cli
from tonecls.output import csv_line, restore_cell, visible
from tonecls.readers import iter_records
from tonecls.report import read_scored

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GOOD = "We strongly condemn the shelling of the border post."

# Any character, with lone surrogates, controls (C0, C1) and line breaks made common.
chars = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),
    st.characters(categories=["Cc"]),
    st.sampled_from(["\r", "\n", "\x1b", "\x9b", "\x85", "\u2028", "=", "+", "-", "@", '"', ","]),
)
hostile_text = st.one_of(
    st.text(chars, max_size=40),
    st.sampled_from(["\x1b]0;pwned\x07", "=1+1", "a\rb", "\ud800", "\x00", " ", "", "-", "\ud83d\ude00"]),
)
RAW_LINES = [
    b'{"text": "x y", "n": ' + b"9" * 5000 + b"}",
    b'{"text": "x y", "n": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"text": "x y", "n": NaN}',
    b'{"text": "bad \xff byte"}',
    b'{"text": "nul \x00 byte"}',
    b"[1, 2]",
    b"{broken",
    b"   ",
]
line = st.one_of(
    st.fixed_dictionaries({"text": hostile_text}, optional={"actor": hostile_text, "speaker": hostile_text}),
    st.sampled_from(RAW_LINES),
    st.binary(max_size=30).map(lambda b: b.replace(b"\n", b" ")),
)


def normalised(text: str) -> str:
    """What the readers make of line breaks: CRLF and a lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def expected_outcome(entry: dict | bytes) -> str:
    """'scored', 'skipped' or 'blank' for one generated line, by the readers' policy."""
    if isinstance(entry, bytes):
        try:
            text = entry.decode("utf-8")
        except UnicodeDecodeError:
            return "skipped"
        return "blank" if not text.strip() else "either"
    decoded = json.loads(json.dumps(entry))  # a surrogate pair comes back as one character
    if any(re.search("[\ud800-\udfff\x00]", v) for v in decoded.values()):
        return "skipped"
    return "scored" if decoded["text"].strip() else "skipped"


def write_lines(path: Path, entries: list) -> None:
    first = json.dumps({"id": "r1", "text": GOOD}).encode()  # a first line that can be no byte order mark
    body = [first]
    for n, entry in enumerate(entries, start=2):
        body.append(entry if isinstance(entry, bytes) else json.dumps({"id": f"r{n}", **entry}).encode())
    path.write_bytes(b"\n".join(body) + b"\n")


@SETTINGS
@given(entries=st.lists(line, max_size=12))
def test_score_never_crashes_and_accounts_for_every_line(tmp_path_factory, entries):
    folder = tmp_path_factory.mktemp("records")
    src = folder / "in.jsonl"
    write_lines(src, entries)
    out_csv, out_jsonl = folder / "out.csv", folder / "out.jsonl"
    result = CliRunner().invoke(cli, ["score", str(src), "--out", str(out_csv)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    CliRunner().invoke(cli, ["score", str(src), "--out", str(out_jsonl)])

    skipped = {int(m) for m in re.findall(rf"^{re.escape(str(src))}:(\d+): skipped: ", result.stderr, re.M)}
    from_jsonl = [json.loads(x) for x in out_jsonl.read_bytes().decode("utf-8").splitlines()]
    scored = {
        int(row["id"][1:]) if row["id"].startswith("r") else int(row["id"].rsplit(":", 1)[1]) for row in from_jsonl
    }
    assert len(scored) == len(from_jsonl) and not scored & skipped
    for n, entry in enumerate(entries, start=2):
        outcome = expected_outcome(entry)
        if outcome == "blank":
            assert n not in scored | skipped
        elif outcome == "either":
            assert n in scored | skipped
        else:
            assert n in (scored if outcome == "scored" else skipped), (n, entry, result.stderr)

    for out in (out_csv, out_jsonl):
        out.read_bytes().decode("utf-8")
        records = list(iter_records(out))
        assert all(isinstance(r, dict) for _, r in records), [r for _, r in records if not isinstance(r, dict)]
        rows, problems = read_scored([out])
        assert problems == [] and len(rows) == len(from_jsonl)
    texts = {f"r{n}": json.loads(json.dumps(e["text"])) for n, e in enumerate(entries, start=2) if isinstance(e, dict)}
    for row in from_jsonl:
        if row["id"] in texts:
            assert row["text"] == texts[row["id"]]
    for _, row in iter_records(out_csv):
        if row["id"] in texts:
            assert restore_cell(row["text"]) == normalised(texts[row["id"]])


names = st.binary(min_size=1, max_size=40).filter(lambda b: not re.search(b"[/\x00\\\\]", b)).map(lambda b: b + b".txt")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw_names=st.sets(names, min_size=1, max_size=6))
def test_any_file_name_is_scored_with_a_printable_unique_id(tmp_path_factory, raw_names):
    folder = tmp_path_factory.mktemp("names")
    for raw in raw_names:
        with open(os.path.join(os.fsencode(folder), raw), "wb") as fh:
            fh.write(GOOD.encode())
    out = folder.parent / f"{folder.name}.csv"
    result = CliRunner().invoke(cli, ["score", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"scored {len(raw_names)} statements" in result.stderr
    rows, problems = read_scored([out])
    ids = [r["id"] for r in rows]
    assert problems == [] and len(set(ids)) == len(raw_names)
    assert all(visible(i, keep="") == i for i in ids)
    assert not re.search("[\x00-\x1f\x7f-\x9f]", result.stderr.replace("\n", ""))


cell = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)
CORRUPT = [b'bad,"closed"then more\n', b"bad \xff byte,x\n", b"nul \x00 byte,x\n", b"x" * 600 + b",long\n"]


@SETTINGS
@given(
    rows=st.lists(st.tuples(cell, cell), min_size=1, max_size=10),
    corrupt=st.sampled_from(CORRUPT),
    at=st.integers(min_value=0, max_value=10),
)
def test_a_corrupt_csv_row_costs_only_itself(tmp_path_factory, rows, corrupt, at):
    lines = [csv_line(["id", "text", "actor"]).encode()]
    lines += [csv_line([f"r{i}", text, actor]).encode() for i, (text, actor) in enumerate(rows)]
    at = 1 + at % len(rows)
    lines.insert(at, corrupt)
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes(b"".join(lines))
    bad_line = 1 + b"".join(lines[:at]).count(b"\n")
    found = list(iter_records(path, limit=500))
    errors = [n for n, r in found if not isinstance(r, dict)]
    good = [r for _, r in found if isinstance(r, dict)]
    assert errors == [bad_line]
    assert [(r["id"], r["text"], r["actor"]) for r in good] == [
        (f"r{i}", normalised(text), normalised(actor)) for i, (text, actor) in enumerate(rows)
    ]
