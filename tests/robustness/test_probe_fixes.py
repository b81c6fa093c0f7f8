"""Cases the re-run of the hostile-input probe still found open, each fixed and kept fixed here."""

import io
import json
import zipfile

import pytest
from click.testing import CliRunner

from tonecls import model_file
from tonecls.cli import cli
from tonecls.errors import ModelFileError
from tonecls.output import csv_line, visible


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_formula_after_a_semicolon_is_quoted_in_csv():
    """A spreadsheet set to ';' as list separator would split the cell and run the second part."""
    line = csv_line(["s1", "We condemn the attack;=cmd|' /C calc'!A0"])
    assert line == "s1,\"We condemn the attack;=cmd|' /C calc'!A0\"\n"
    assert csv_line(["a\tb", "c,d"], delimiter="\t") == '"a\tb"\t"c,d"\n'


def test_score_refuses_to_write_over_one_of_its_inputs(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"id": "a", "text": "We condemn it.", "labels": ["condemnation"]}\n', encoding="utf-8")
    before = labels.read_bytes()
    result = invoke("score", labels, "--out", labels, "--force")
    assert result.exit_code == 1 and "is one of the inputs" in result.output
    assert labels.read_bytes() == before


def test_the_server_log_shows_escape_sequences_escaped():
    from tonecls.serve import ToneHandler

    logged = []

    class Server:
        log = logged.append

    handler = ToneHandler.__new__(ToneHandler)
    handler.server = Server()
    handler.client_address = ("127.0.0.1", 1)
    handler.log_message('"%s" %s', "GET /\x1b]0;PWNED\x07 HTTP/1.1", "404")
    assert logged and "\x1b" not in logged[0] and "\x07" not in logged[0]
    assert visible("\x1b]0;PWNED\x07", keep="") in logged[0]


def small_model_json(pad: bytes) -> bytes:
    return b'{"format": "tonecls-model", "format_version": 2, "pad": [' + pad + b"{}]}"


@pytest.mark.parametrize("unit", [b"{},", b"1,"])
def test_a_small_model_json_of_many_tiny_values_is_refused_before_it_costs_memory(tmp_path, monkeypatch, unit):
    monkeypatch.setattr(model_file, "MAX_JSON_VALUES", 1000)
    monkeypatch.setattr(model_file, "MAX_JSON_OBJECTS", 1000)
    path = tmp_path / "amp.model"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", small_model_json(unit * 5000))
    with pytest.raises(ModelFileError, match="holds more values than a model has"):
        model_file.read_meta(path)


def test_too_many_objects_are_refused_while_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_JSON_OBJECTS", 100)
    items = ", ".join(f'"k{i}": {{}}' for i in range(150))
    path = tmp_path / "objects.model"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", ("{" + items + "}").encode())
    with pytest.raises(ModelFileError, match="more than 100 objects"):
        model_file.read_meta(path)


def test_info_refuses_a_malformed_card_in_one_line(tiny_model_path, tmp_path):
    with zipfile.ZipFile(tiny_model_path) as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    meta = json.loads(members["model.json"])
    meta["card"] = {"counts": "many", "thresholds": [1, 2], "versions": 7}
    members["model.json"] = json.dumps(meta).encode()
    path = tmp_path / "card.model"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    path.write_bytes(buf.getvalue())
    result = invoke("info", "--model", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and "its model card is malformed" in result.output


def test_an_xlsx_with_a_stale_row_count_is_read_whole(tmp_path):
    """openpyxl's read-only mode trusts the sheet's recorded dimension; a stale one must not hide rows."""
    openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra is part of the test extra")
    import re

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "text"])
    for i in range(10):
        sheet.append([f"r{i}", f"We condemn the attack number {i}."])
    path = tmp_path / "stale.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    sheet_xml = "xl/worksheets/sheet1.xml"
    members[sheet_xml] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B3"/>', members[sheet_xml])
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    out = tmp_path / "out.jsonl"
    result = invoke("score", path, "--out", out)
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 10


@pytest.mark.parametrize("command", ["score", "extract"])
def test_a_pipe_or_device_named_as_input_is_refused_at_once(tmp_path, command):
    import os
    import signal

    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_text("The ministry condemned the shelling, the spokesperson said.\n", encoding="utf-8")
    old = signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError("hung on a pipe")))
    signal.alarm(20)
    try:
        result = invoke(command, fifo, "/dev/zero", good)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert result.exit_code == 0, result.output
    assert result.output.count("not a regular file") == 2 and "Traceback" not in result.output


def test_an_out_of_range_number_is_a_skipped_line_not_inf(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1e999999, "text": "We condemn it."}\n{"id": 2, "text": "We condemn it."}\n')
    result = CliRunner().invoke(cli, ["score", str(src)])
    assert result.exit_code == 0
    assert f"{src}:1: skipped: number out of range (1e999999)" in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["2"]


def test_an_over_long_record_is_named_by_file_and_line_and_id(tmp_path, monkeypatch):
    from tonecls import score

    monkeypatch.setattr(score, "MAX_CHARS", 100)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "big-1", "text": "a " * 80}) + "\n" + json.dumps({"text": "b " * 80}) + "\n")
    result = CliRunner().invoke(cli, ["score", str(src)])
    assert result.exit_code == 1
    assert f"{src}:1: skipped: record 'big-1' too long for one statement (160 characters" in result.stderr
    assert f"{src}:2: skipped: too long for one statement" in result.stderr


def test_report_names_a_pipe_as_a_pipe(tmp_path):
    import os

    fifo = tmp_path / "scores.jsonl"
    os.mkfifo(fifo)
    result = invoke("report", fifo, "--out", tmp_path / "r.html")
    assert result.exit_code == 1 and "not a regular file" in result.output and "folder" not in result.output


def test_classify_lines_skips_a_bad_line_and_goes_on():
    stdin = "We condemn the attack.\n" + "x" * 1_000_001 + "\n\nWe call for calm.\n"
    result = CliRunner().invoke(cli, ["classify", "--lines", "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["line"] for line in result.stdout.splitlines()] == [1, 4]
    assert "line 2: skipped: too long for one statement" in result.stderr
    bad = CliRunner().invoke(cli, ["classify", "--lines"], input=b"\xff\xfe\n")
    assert bad.exit_code == 1 and "no line could be classified (1 skipped)" in bad.output


def test_classify_lines_answers_each_line_as_it_arrives(tiny_model_path):
    """A pipe that stays open (a feed, a chat) gets each answer before the next line is written."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "tonecls", "classify", "--lines", "--json", "--model", str(tiny_model_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    import signal

    old = signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError("no answer before EOF")))
    signal.alarm(60)
    try:
        proc.stdin.write("We condemn the attack.\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())  # would wait for ever if classify read to the end of input
        proc.stdin.write("We call for calm.\n")
        proc.stdin.close()
        rest = proc.stdout.read()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)
    assert first["line"] == 1 and json.loads(rest)["line"] == 2 and proc.returncode == 0
