"""Hostile and broken input: each case has its exit code, its message, and nothing good is lost."""

import csv
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.score import MAX_CHARS

GOOD = "We strongly condemn the shelling of the border post."
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001"
)


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def score_folder(folder: Path, tmp_path: Path):
    out = tmp_path / "out.jsonl"
    result = invoke("score", folder, "--out", out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    return result, rows


# What each kind of file does when it is one statement in a scored folder:
# (file content, expected: None = scored, else the skip reason printed)
FILE_CASES = {
    "empty": (b"", "empty file"),
    "whitespace": (b"  \n\t \r\n", "empty file"),
    "nul_bytes": (b"abc\x00def", "contains NUL bytes: a binary file, not text"),
    "png_image": (PNG, "contains NUL bytes: a binary file, not text"),
    "invalid_utf8": (b"caf\xc3(", "not valid UTF-8 (byte 3); save the file as UTF-8"),
    "latin1": ("Le ministère a condamné l'attaque.".encode("latin-1"), "not valid UTF-8 (byte 9)"),
    "utf16_bom": (("\ufeff" + GOOD).encode("utf-16-le").replace(b"\xff\xfe\xff\xfe", b"\xff\xfe"), None),
    "utf8_bom": (b"\xef\xbb\xbf" + GOOD.encode(), None),
    "crlf": (GOOD.replace(". ", ".\r\n").encode() + b"\r\n", None),
}


@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_each_kind_of_file_in_a_folder(tmp_path, name):
    content, reason = FILE_CASES[name]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / f"{name}.txt").write_bytes(content)
    result, rows = score_folder(folder, tmp_path)
    assert result.exit_code == 0, result.output
    ids = [r["id"] for r in rows]
    assert str(folder / "good.txt") in ids
    if reason is None:
        assert str(folder / f"{name}.txt") in ids
        assert "skipped 0 inputs" in result.output
    else:
        assert ids == [str(folder / "good.txt")]
        assert f"{folder / (name + '.txt')}: skipped: {reason}" in result.output
        assert "skipped 1 inputs" in result.output


def test_utf16_statement_is_read_as_its_text(tmp_path):
    p = tmp_path / "u16.txt"
    p.write_bytes(b"\xff\xfe" + GOOD.encode("utf-16-le"))
    result = invoke("score", p)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["text"] == GOOD


def test_statement_over_the_size_limit_is_skipped_in_score_and_refused_by_classify(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * (MAX_CHARS // 5 + 10), encoding="utf-8")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result, rows = score_folder(tmp_path, tmp_path / "..")
    assert [r["id"] for r in rows] == [str(tmp_path / "good.txt")]
    assert f"{big}: skipped: too long for one statement" in result.output
    result = invoke("classify", "-", input=big.read_text())
    assert result.exit_code == 1 and "statement too long" in result.output


def test_a_50_mb_statement_is_refused_quickly(tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("w") as fh:
        for _ in range(50):
            fh.write("x" * (1 << 20))
    result = invoke("score", big)
    assert result.exit_code == 1
    assert "too long for one statement (52,428,800 bytes" in result.output
    assert "nothing was scored" in result.output


def test_jsonl_with_a_broken_line_in_the_middle_scores_the_rest(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"s{i}", "text": f"{GOOD} ({i})"}) for i in range(5)]
    lines.insert(2, '{"id": "bad", "text": ')
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("score", src)
    assert result.exit_code == 0
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == [f"s{i}" for i in range(5)]
    assert f"{src}:3: skipped: invalid JSON" in result.stderr


@pytest.mark.parametrize(
    "content, scored, message",
    [
        ("statement,labels\nhello,\n", 0, "CSV has no 'text' column (columns: statement, labels)"),
        ('id,text,extra,more\na,"' + GOOD + '",x,y\n', 1, None),
        ('id,text\na,"line one\nline two, with ""quotes"""\nb,' + GOOD + "\n", 2, None),
    ],
    ids=["missing_text_column", "extra_columns", "embedded_newlines_and_quotes"],
)
def test_csv_shapes(tmp_path, content, scored, message):
    src = tmp_path / "in.csv"
    src.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = invoke("score", src, "--out", out)
    if scored == 0:
        assert result.exit_code == 1 and message in result.output and not out.exists()
        return
    assert result.exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == scored
    if scored == 2:
        assert rows[0]["text"] == 'line one\nline two, with "quotes"' and rows[1]["id"] == "b"


def test_unknown_tone_names_in_train_and_validate(tmp_path):
    src = tmp_path / "labels.jsonl"
    src.write_text(json.dumps({"text": GOOD, "labels": ["condemantion"]}) + "\n", encoding="utf-8")
    for command in (["validate", src], ["train", src, "--out", tmp_path / "m.model"]):
        result = invoke(*command)
        assert result.exit_code == 1
        assert "unknown tone 'condemantion' (did you mean 'condemnation'?)" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "m.model").exists()


def test_folder_with_symlink_loop_unreadable_and_vanishing_files(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "locked.txt").write_text(GOOD, encoding="utf-8")
    (folder / "vanishing.txt").write_text(GOOD, encoding="utf-8")
    real_read = Path.read_bytes

    def read_bytes(self):
        # Tests run as root in CI, where chmod cannot make a file unreadable: simulate it.
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        if self.name == "vanishing.txt":
            os.unlink(self)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result, rows = score_folder(folder, tmp_path)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in rows] == [str(folder / "good.txt")]
    assert f"{folder / 'locked.txt'}: skipped: cannot read (Permission denied)" in result.output
    assert f"{folder / 'vanishing.txt'}: skipped: file vanished before it could be read" in result.output
    assert "scored 1 statements" in result.output and "skipped 2 inputs" in result.output


def test_missing_input_path_is_reported_and_the_rest_scored(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    result = invoke("score", tmp_path / "nope", good)
    assert result.exit_code == 0
    assert f"{tmp_path / 'nope'}: skipped: no such file or folder" in result.stderr


@pytest.mark.parametrize("kind", ["truncated", "not_a_model", "empty", "folder"])
def test_bad_model_files_give_one_line(tmp_path, tiny_model_path, kind):
    path = tmp_path / "m.model"
    if kind == "truncated":
        path.write_bytes(tiny_model_path.read_bytes()[:1000])
    elif kind == "not_a_model":
        path.write_bytes(PNG)
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        path.mkdir()
    for command in (["classify", GOOD], ["info"], ["explain"], ["score", "-"]):
        result = invoke(*command, "--model", path, input=GOOD)
        assert result.exit_code == 1, (kind, command, result.output)
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1
