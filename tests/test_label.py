import json
import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from tonecls.cli import cli

from .conftest import tiny_rows, write_jsonl

POOL = [
    "The ministry condemned the raid on its border post as a blatant violation.",
    "We call on both sides to show restraint and return to talks.",
    "Any further incursion will be met with a decisive response.",
    "The delegation will arrive on Tuesday for trade talks.",
]


def pool_file(tmp_path, texts=POOL):
    return write_jsonl(tmp_path / "pool.jsonl", [{"id": f"p{i}", "text": t} for i, t in enumerate(texts)])


def lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_label_one_statement_without_a_session(tmp_path):
    into = tmp_path / "new.jsonl"
    result = run("label", "--text", "We will respond.", "--tones", "threat", "--into", into, "--id", "n1")
    assert result.exit_code == 0 and result.output == f"added to {into}: threat\n"
    assert lines(into) == [{"id": "n1", "text": "We will respond.", "labels": ["threat"]}]
    again = run("label", "--text", "we will respond", "--tones", "", "--into", into)
    assert again.exit_code == 1 and "already holds this statement" in again.output
    bad = run("label", "--text", "x y", "--tones", "threats", "--into", into)
    assert bad.exit_code == 1 and "unknown tone 'threats' (did you mean 'threat'?)" in bad.output
    csv_into = run("label", "--text", "x y", "--tones", "", "--into", tmp_path / "new.csv")
    assert csv_into.exit_code == 1 and "use a .jsonl file" in csv_into.output


def test_session_accepts_toggles_skips_and_resumes(tmp_path):
    pool, into = pool_file(tmp_path), tmp_path / "labels.jsonl"
    # p0: accept the guess; p1: skip; p2: toggle threat off/on twice then accept; then quit.
    result = run("label", pool, "--into", into, "--order", "file", input="as33aq")
    assert result.exit_code == 0, result.output
    assert "4 statements to label (0 already" in result.output
    assert "accepted 2, skipped 1, 1 left" in result.output
    assert [r["id"] for r in lines(into)] == ["p0", "p2"]
    again = run("label", pool, "--into", into, "--order", "file", input="aaaa")
    assert "2 statements to label (2 already" in again.output
    assert [r["id"] for r in lines(into)] == ["p0", "p2", "p1", "p3"]


def test_toggling_sets_the_labels(tmp_path):
    pool, into = pool_file(tmp_path, ["The delegation will arrive on Tuesday for trade talks."]), tmp_path / "l.jsonl"
    run("label", pool, "--into", into, input="1")  # see what the guess is, then quit at end of input
    assert lines(into) == []
    # toggle condemnation and sovereignty relative to the guess, then accept
    guess = run("suggest", pool, "--json").output
    guessed = set(json.loads(guess)["tones"])
    result = run("label", pool, "--into", into, input="14a")
    assert result.exit_code == 0
    assert set(lines(into)[0]["labels"]) == guessed ^ {"condemnation", "sovereignty"}


def test_undo_removes_the_last_label(tmp_path):
    pool, into = pool_file(tmp_path), tmp_path / "labels.jsonl"
    result = run("label", pool, "--into", into, "--order", "file", input="aauq")
    assert "undone: p1" in result.output
    assert [r["id"] for r in lines(into)] == ["p0"]


def test_killing_a_session_keeps_every_accepted_label(tmp_path):
    pool, into = pool_file(tmp_path), tmp_path / "labels.jsonl"
    cmd = [sys.executable, "-m", "tonecls", "label", str(pool), "--into", str(into), "--order", "file"]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
        start_new_session=True,
    )
    proc.stdin.write(b"aa")
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while len(lines(into)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert [r["id"] for r in lines(into)] == ["p0", "p1"]
    rerun = run("label", pool, "--into", into, "--order", "file", input="aaaa")
    assert "2 statements to label (2 already" in rerun.output
    assert [r["id"] for r in lines(into)] == ["p0", "p1", "p2", "p3"]


def test_suggest_prefers_uncertain_and_skips_near_copies(tmp_path):
    texts = POOL + [POOL[3]] * 5 + ["Nothing about it is new, said a source."]
    pool = pool_file(tmp_path, texts)
    result = run("suggest", pool, "--n", str(len(texts)), "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.output.splitlines()]
    assert [r["rank"] for r in rows] == list(range(1, len(texts) + 1))
    assert rows[0]["uncertainty"] == max(r["uncertainty"] for r in rows)
    assert len({r["text"] for r in rows[:4]}) == 4, "near-copies should not crowd the top"


def test_audit_finds_a_flipped_label(tmp_path):
    rows = tiny_rows() + [
        {
            "id": "flip",
            "text": "We condemn the illegal and unprovoked attack in the strongest terms.",
            "labels": ["conciliation"],
        }
    ]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    result = run("audit", data, "--top", "3", "--folds", "3", "--json")
    assert result.exit_code == 0, result.output
    found = [json.loads(x) for x in result.output.splitlines()]
    assert len(found) == 3
    assert "flip" in [f["id"] for f in found]
    flip = next(f for f in found if f["id"] == "flip")
    assert "conciliation" in flip["disputed"]


def test_a_bad_pool_row_is_skipped_with_its_line_and_a_pool_of_bad_rows_is_one_line(tmp_path):
    bad = tmp_path / "pool.jsonl"
    bad.write_text('{"id": "a", "text": "fine here"}\n{broken\n')
    result = run("suggest", bad, "--json")
    assert result.exit_code == 0
    assert f"{bad}:2: skipped: invalid JSON" in result.stderr
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["a"]
    bad.write_text("{broken\n")
    result = run("suggest", bad)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.endswith(
        f"Error: {bad}: no statements in this pool (first problem: {bad}:1: invalid JSON"
        " (Expecting property name enclosed in double quotes at column 2))\n"
    )
