"""One bad record, file name or line never sinks a run: each is skipped or reported with its file and line.

The cases come from a probe of the readers (see README.md in this folder for the table).
"""

from __future__ import annotations

import csv
import json
import os
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from tonecls import readers
from tonecls.cli import cli
from tonecls.output import csv_line
from tonecls.readers import iter_records, walk_files
from tonecls.report import read_scored

from ..conftest import TINY

TINY_SETTINGS = ["--set", "min_df=1", "--set", "C=1.0", "--set", "inner_folds=2", "--repeats", "0"]

GOOD = "We strongly condemn the shelling of the border post."
OTHER = "We call on both sides to exercise restraint."
SURROGATE_LINE = '{"id": "s1", "text": "We condemn \\ud800 it."}\n'


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def jsonl_ids(text: str) -> list[str]:
    return [json.loads(line)["id"] for line in text.splitlines()]


def labeled(text: str, tones=("condemnation",), **more) -> str:
    return json.dumps({"text": text, "labels": list(tones), **more}) + "\n"


# ---------------------------------------------------------------- 1. lone surrogates


def test_a_lone_surrogate_is_a_bad_record_in_score_and_the_rest_is_scored(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(SURROGATE_LINE + json.dumps({"id": "s2", "text": GOOD}) + "\n", encoding="utf-8")
    result = invoke("score", src)
    assert result.exit_code == 0, result.output
    assert jsonl_ids(result.stdout) == ["s2"]
    reason = "'text' holds an invalid Unicode escape (lone surrogate \\ud800)"
    assert f"{src}:1: skipped: {reason}" in result.stderr
    out = tmp_path / "out.csv"
    assert invoke("score", src, "--out", out).exit_code == 0
    assert [r["id"] for r in csv.DictReader(out.open(encoding="utf-8"))] == ["s2"]


def test_a_lone_surrogate_in_any_field_or_key_is_named(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"text": "fine", "actor": ["a", {"x": "\\udfff"}]}\n{"text": "fine", "\\ud83d": 1}\n', encoding="utf-8"
    )
    found = [r for _, r in iter_records(src)]
    assert [r.message for r in found] == [
        "'actor' holds an invalid Unicode escape (lone surrogate \\udfff)",
        "'\\ud83d' holds an invalid Unicode escape (lone surrogate \\ud83d)",
    ]


def test_a_surrogate_pair_is_one_character_and_fine(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "e", "text": "We condemn it \\ud83d\\ude00."}\n', encoding="utf-8")
    result = invoke("score", src)
    assert result.exit_code == 0 and json.loads(result.stdout)["text"] == "We condemn it \U0001f600."


def test_validate_reports_a_lone_surrogate_as_an_error(tmp_path):
    src = tmp_path / "labels.jsonl"
    src.write_text(SURROGATE_LINE.replace("}", ', "labels": []}') + labeled(GOOD), encoding="utf-8")
    result = invoke("validate", src)
    assert result.exit_code == 1
    assert f"{src}:1: error: 'text' holds an invalid Unicode escape (lone surrogate \\ud800)" in result.stderr
    assert "1 valid statements in 1 files; 1 errors" in result.stdout


def test_suggest_skips_a_lone_surrogate_and_suggests_the_rest(tmp_path):
    pool = tmp_path / "pool.jsonl"
    pool.write_text(SURROGATE_LINE + json.dumps({"id": "ok", "text": GOOD}) + "\n", encoding="utf-8")
    for args in ([], ["--json"]):
        result = invoke("suggest", pool, *args)
        assert result.exit_code == 0, result.output
        assert f"{pool}:1: skipped: 'text' holds an invalid Unicode escape" in result.stderr
        assert "ok" in result.stdout and "Traceback" not in result.output


# ---------------------------------------------------------------- 2. file names


def bad_names(folder: Path) -> dict[bytes, str]:
    """File names that are not valid UTF-8 or hold control characters, and the id each must get."""
    names = {
        b"caf\xe9.txt": "caf\\xe9.txt",
        b"cr\rname.txt": "cr\\rname.txt",
        b"esc\x1b]0;pwned\x07.txt": "esc\\x1b]0;pwned\\x07.txt",
        b"c1\xc2\x9b2J.txt": "c1\\u009b2J.txt",
    }
    for raw in names:
        with open(os.path.join(os.fsencode(folder), raw), "wb") as fh:
            fh.write(GOOD.encode())
    return {raw: f"{folder}/{shown}" for raw, shown in names.items()}


@pytest.mark.parametrize("out_name", ["out.jsonl", "out.csv"])
def test_files_with_bad_names_are_scored_with_printable_ids_and_a_note(tmp_path, out_name):
    folder = tmp_path / "in"
    folder.mkdir()
    expected = bad_names(folder)
    out = tmp_path / out_name
    result = invoke("score", folder, "--out", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    data.decode("utf-8")  # valid UTF-8, or this raises
    assert not any(c in data for c in (b"\r", b"\x1b", b"\x07", b"\xc2\x9b"))
    rows, problems = read_scored([out])
    assert problems == []
    assert sorted(r["id"] for r in rows) == sorted(expected.values())
    assert f"{folder}/caf\\xe9.txt: note: the file name is not valid UTF-8" in result.stderr
    assert f"{folder}/cr\\rname.txt: note: the file name holds control characters" in result.stderr
    assert "\x1b" not in result.output and "\r" not in result.stderr


def test_a_table_file_with_a_bad_name_gets_printable_row_ids(tmp_path):
    path = os.path.join(os.fsencode(tmp_path), b"na\xefve.jsonl")
    with open(path, "wb") as fh:
        fh.write(json.dumps({"text": GOOD}).encode() + b"\n")
    result = invoke("score", os.fsdecode(path))
    assert result.exit_code == 0, result.output
    assert jsonl_ids(result.stdout) == [f"{tmp_path}/na\\xefve.jsonl:1"]
    assert "note: the file name is not valid UTF-8" in result.stderr


def test_validate_train_and_info_take_a_label_file_with_a_bad_name(tmp_path):
    folder = tmp_path / "labels"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"\xff\x1b.jsonl"), "wb") as fh:
        fh.write("".join(labeled(text, tones) for text, tones in TINY).encode())
    fh.close()
    with open(os.path.join(os.fsencode(folder), b"\xff\x1b.jsonl"), "ab") as fh:
        fh.write(b'{"text": "We condemn it.", "labels": ["threats"]}\n')
    result = invoke("validate", folder)
    assert result.exit_code == 1
    assert f"{folder}/\\xff\\x1b.jsonl:{len(TINY) + 1}: error: unknown tone 'threats'" in result.stderr
    with open(os.path.join(os.fsencode(folder), b"\xff\x1b.jsonl"), "wb") as fh:
        fh.write("".join(labeled(text, tones) for text, tones in TINY).encode())
    model = tmp_path / "m.model"
    result = invoke("train", folder, "--out", model, *TINY_SETTINGS)
    assert result.exit_code == 0, result.output
    result = invoke("info", "--model", model)
    assert result.exit_code == 0 and f"`{folder.as_posix()}/\\xff\\x1b.jsonl`" in result.output


# ---------------------------------------------------------------- 3. numbers and nesting


HUGE_NUMBER = '{"text": "' + GOOD + '", "n": ' + "9" * 5000 + "}\n"
DEEP = '{"text": "' + GOOD + '", "n": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
LITTLE_DEEP = '{"text": "' + GOOD + '", "n": ' + "[" * 150 + "]" * 150 + "}\n"
NUMBER_MESSAGE = "number too large (5,000 digits; the limit is 4,300)"
DEEP_MESSAGE = "nested too deeply (more than 100 levels)"


def test_a_huge_number_and_deep_nesting_are_per_line_skips_in_score(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(HUGE_NUMBER + DEEP + LITTLE_DEEP + json.dumps({"id": "ok", "text": GOOD}) + "\n", encoding="utf-8")
    result = invoke("score", src)
    assert result.exit_code == 0, result.output
    assert jsonl_ids(result.stdout) == ["ok"]
    assert f"{src}:1: skipped: {NUMBER_MESSAGE}" in result.stderr
    assert f"{src}:2: skipped: {DEEP_MESSAGE}" in result.stderr
    assert f"{src}:3: skipped: {DEEP_MESSAGE}" in result.stderr


def test_nan_is_not_json(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x y", "actor": NaN}\n', encoding="utf-8")
    assert [r.message for _, r in iter_records(src)] == ["invalid JSON (NaN is not a JSON number)"]


def test_a_huge_number_and_deep_nesting_are_errors_in_validate_and_train(tmp_path):
    src = tmp_path / "labels.jsonl"
    rows = HUGE_NUMBER.replace("}", ', "labels": []}') + DEEP.replace('"n"', '"labels": [], "n"')
    src.write_text(rows + labeled(GOOD), encoding="utf-8")
    result = invoke("validate", src)
    assert result.exit_code == 1
    assert f"{src}:1: error: {NUMBER_MESSAGE}" in result.stderr
    assert f"{src}:2: error: {DEEP_MESSAGE}" in result.stderr
    result = invoke("train", src, "--out", tmp_path / "m.model", "--repeats", "0")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"Error: {src}:1: {NUMBER_MESSAGE} (and 1 more errors")


# ---------------------------------------------------------------- 4. folders


@pytest.fixture
def deep_folder(tmp_path):
    """``make(depth)`` makes a chain of folders ``depth`` deep; they are removed without recursion afterwards
    (shutil.rmtree, and so pytest's clean-up of old temporary folders, recurses and fails at this depth)."""
    made: list[Path] = []

    def make(depth: int) -> Path:
        current = tmp_path / "in"
        current.mkdir()
        made.append(current)
        for _ in range(depth):
            current = current / "d"
            current.mkdir()
            made.append(current)
        return current

    yield make
    for folder in reversed(made):
        for child in folder.iterdir():
            if not child.is_dir():
                child.unlink()
        folder.rmdir()


def test_a_folder_1000_levels_deep_is_walked(tmp_path, deep_folder):
    root = tmp_path / "in"
    bottom = deep_folder(1000)
    (bottom / "deep.txt").write_text(GOOD, encoding="utf-8")
    (bottom / "deep.jsonl").write_text(labeled(GOOD), encoding="utf-8")
    result = invoke("score", root)
    assert result.exit_code == 0, result.output
    assert jsonl_ids(result.stdout) == [str(bottom / "deep.txt")]
    result = invoke("validate", root)
    assert result.exit_code == 0 and "1 valid statements in 1 files" in result.output


def test_walk_order_is_files_then_sorted_subfolders_and_links_are_not_followed(tmp_path):
    for rel in ("b.txt", "a.txt", "z/c.txt", "m/d.txt", "m/n/e.txt", "m/skip.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(GOOD, encoding="utf-8")
    (tmp_path / "m" / "loop").symlink_to(tmp_path, target_is_directory=True)
    found = [p.relative_to(tmp_path).as_posix() for p in walk_files(tmp_path, [".txt"])]
    assert found == ["a.txt", "b.txt", "m/d.txt", "m/n/e.txt", "z/c.txt"]


def test_an_unreadable_subfolder_and_a_pipe_are_reported_and_the_rest_read(tmp_path, monkeypatch):
    root = tmp_path / "in"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "hidden.txt").write_text(GOOD, encoding="utf-8")
    (root / "locked" / "hidden.jsonl").write_text(labeled(GOOD), encoding="utf-8")
    (root / "good.txt").write_text(GOOD, encoding="utf-8")
    (root / "good.jsonl").write_text(labeled(OTHER, ["conciliation"]), encoding="utf-8")
    os.mkfifo(root / "pipe.txt")  # opening it would block forever
    real = os.scandir

    def scandir(path):  # tests run as root, where chmod cannot lock a folder: simulate it
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(readers.os, "scandir", scandir)
    result = invoke("score", root)
    assert result.exit_code == 0, result.output
    assert jsonl_ids(result.stdout) == [str(root / "good.txt")]
    assert f"{root / 'locked'}: skipped: cannot read folder (Permission denied)" in result.stderr
    assert f"{root / 'pipe.txt'}: skipped: not a regular file" in result.stderr
    result = invoke("validate", root)
    assert result.exit_code == 1
    assert f"{root / 'locked'}: error: cannot read folder (Permission denied)" in result.stderr
    assert "1 valid statements in 1 files; 1 errors" in result.stdout
    result = invoke("train", root, "--out", tmp_path / "m.model", "--repeats", "0")
    assert (
        result.exit_code == 1 and result.output == f"Error: {root / 'locked'}: cannot read folder (Permission denied)\n"
    )


# ---------------------------------------------------------------- 5. CSV


def csv_file(path: Path, rows: list[list[str]], header=("id", "text")) -> Path:
    path.write_text(csv_line(header) + "".join(csv_line(r) for r in rows), encoding="utf-8")
    return path


def test_a_csv_field_over_131072_characters_is_read_and_later_rows_too(tmp_path):
    src = csv_file(tmp_path / "in.csv", [["long", GOOD + " x" * 100_000], ["after", OTHER]])
    result = invoke("score", src)
    assert result.exit_code == 0, result.output
    assert jsonl_ids(result.stdout) == ["long", "after"]


def test_a_bad_csv_row_is_skipped_alone(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(
        b"id,text\n"
        + f"r1,{GOOD}\n".encode()
        + b'r2,"closed" then more\n'  # strict CSV: nothing may follow a closing quote
        + f'r3,"{OTHER}\nover two lines"\n'.encode()
        + b"r4,bad \xff byte\n"
        + f"r5,{GOOD}\n".encode()
    )
    found = list(iter_records(src))
    assert [(n, r["id"]) for n, r in found if isinstance(r, dict)] == [(2, "r1"), (4, "r3"), (7, "r5")]
    assert [(n, r.message[:20]) for n, r in found if not isinstance(r, dict)] == [
        (3, "invalid CSV (',' exp"),
        (6, "not valid UTF-8 (byt"),
    ]


def test_a_bad_line_inside_a_quoted_field_skips_that_row_only(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(f'id,text\nr1,"{GOOD}\nbad \xff byte\nend"\nr2,{OTHER}\n'.encode("latin-1"))
    found = list(iter_records(src))
    assert isinstance(found[0][1], readers.InputError) and found[0][0] == 3
    assert found[0][1].message.endswith("; lines 2-4 skipped")
    assert [(n, r["id"]) for n, r in found[1:]] == [(5, "r2")]


def test_an_unclosed_quote_gives_up_its_line_and_the_rows_after_it_are_read(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(f'id,text\nr1,"{GOOD}\nr2,{OTHER}\nr3,{GOOD}\n', encoding="utf-8")
    found = list(iter_records(src))
    assert found[0][0] == 2
    assert found[0][1].message == "invalid CSV (a quote opened on this line is not closed by the end of the file)"
    assert [(n, r["id"]) for n, r in found[1:]] == [(3, "r2"), (4, "r3")]


def test_an_over_long_csv_row_is_skipped_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1000)
    src = csv_file(tmp_path / "in.csv", [["r1", GOOD], ["long", "x " * 2000], ["r3", OTHER]])
    quoted = csv_file(tmp_path / "quoted.csv", [["r1", GOOD], ["long", "x, " * 2000], ["r3", OTHER]])
    for path in (src, quoted):
        result = invoke("score", path)
        assert result.exit_code == 0, result.output
        assert jsonl_ids(result.stdout) == ["r1", "r3"]
        assert f"{path}:3: skipped: line too long" in result.stderr


def test_a_lone_cr_in_an_unquoted_csv_cell_ends_the_row(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(f"id,text\rr1,{GOOD}\r\nr2,{OTHER}\n".encode())
    assert [r["id"] for _, r in iter_records(src)] == ["r1", "r2"]


# ---------------------------------------------------------------- 6. bounded lines


def write_big_line(path: Path, size: int, before: str = "", after: str = "") -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(before + '{"text": "')
        block = "word " * 200_000  # 1 MB
        for _ in range(size // len(block)):
            fh.write(block)
        fh.write('"}\n' + after)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_50_mb_line_is_skipped_with_memory_bounded_by_the_limit(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1 << 20)
    header = "text\n" if suffix == ".csv" else ""
    after = (OTHER + "\n") if suffix == ".csv" else json.dumps({"text": OTHER}) + "\n"
    src = write_big_line(tmp_path / f"big{suffix}", 50 << 20, before=header, after=after)
    tracemalloc.start()
    try:
        found = list(iter_records(src))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20, f"peak {peak:,} bytes"
    first = 2 if suffix == ".csv" else 1
    size = src.stat().st_size - len(header) - len(after) - 1
    assert found[0][0] == first
    assert found[0][1].message == f"line too long ({size:,} bytes; the limit is 1,048,576)"
    assert [r["text"] for _, r in found[1:]] == [OTHER]


def test_an_over_long_stdin_line_is_skipped_and_the_next_scored(monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1000)
    result = invoke("score", "-", input="x " * 5000 + "\n" + GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert jsonl_ids(result.stdout) == ["stdin:2"]
    assert "stdin:1: skipped: line too long (10,000 bytes; the limit is 1,000)" in result.stderr


def test_classify_refuses_a_statement_on_stdin_without_reading_all_of_it():
    result = invoke("classify", "-", input=b"x" * (4 * readers.MAX_CHARS + 1) + b"\xff" * 1000)
    assert result.exit_code == 1
    assert result.output.startswith("Error: statement too long (more than 4,000,000 bytes on standard input;")


def test_utf16_jsonl_and_its_over_long_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1000)
    src = tmp_path / "u16.jsonl"
    text = json.dumps({"id": "a", "text": "x " * 800}) + "\n" + json.dumps({"id": "b", "text": GOOD}) + "\n"
    src.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    found = list(iter_records(src))
    size = len(text.splitlines()[0])
    assert found[0][1].message == f"line too long ({size:,} characters; the limit is 1,000)"
    assert found[1][1]["id"] == "b"
