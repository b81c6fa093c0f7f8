"""Writes survive faults: a full disk, a read-only folder, SIGTERM/SIGHUP, a killed parent.

The faults are simulated (a file handle or os.write that runs out of room, an
os.open that finds a read-only file system, a file-size limit in a
subprocess): CI runs as root, and a test must never fill the real disk.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecls import atomic
from tonecls.atomic import atomic_write, check_writable
from tonecls.corpus import read_statements
from tonecls.errors import InputError, ToneclsError
from tonecls.label import label_one
from tonecls.model_file import load_model
from tonecls.predictor import TonePredictor
from tonecls.score import Item, Summary, score_items
from tonecls.workers import ordered_map

from ..conftest import TINY, write_jsonl

TINY_SETTINGS = ["--set", "min_df=1", "--set", "C=1.0", "--set", "inner_folds=2", "--repeats", "0"]
NO_SPACE = f": {os.strerror(errno.ENOSPC)}\n"
READ_ONLY = f": {os.strerror(errno.EROFS)}\n"
ARTICLE = (
    'The talks broke down on Monday. "We will not accept any change to the border by force," the Foreign '
    "Ministry said in a statement. The minister also urged both sides to return to dialogue.\n"
)
WAIT = 60.0  # upper bound for a subprocess to reach a state; the tests poll and never sleep a fixed time


def invoke(*args, input=None):
    return CliRunner().invoke(cli_group(), [str(a) for a in args], input=input)


def cli_group():
    from tonecls.cli import cli

    return cli


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def statements_file(path: Path, n: int) -> Path:
    return write_jsonl(path, [{"id": f"s{i}", "text": TINY[i % len(TINY)][0]} for i in range(n)])


def no_space() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# --- a disk that fills up ---------------------------------------------------------------------------


class FillingHandle:
    """A file handle on a disk with ``room`` bytes left: the write that does not fit is cut, then ENOSPC."""

    def __init__(self, fh, room: int):
        self._fh = fh
        self._room = room

    def write(self, data):
        if len(data) > self._room:
            self._fh.write(data[: self._room])
            self._room = 0
            raise no_space()
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        if name == "_fh":
            raise AttributeError(name)
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)


def disk_fills_up_while_writing(monkeypatch, room: int = 100) -> None:
    """Every file the atomic writer opens has ``room`` bytes of disk left."""
    monkeypatch.setattr(atomic, "open", lambda *a, **k: FillingHandle(builtins.open(*a, **k), room), raising=False)


def disk_fills_up_while_appending(monkeypatch, path: Path, room: int) -> None:
    """os.write to ``path`` writes ``room`` more bytes, then fails with ENOSPC (other files are untouched)."""
    real = os.write
    left = {"room": room}

    def write(fd, data):
        st = os.fstat(fd)
        if path.exists() and (st.st_dev, st.st_ino) == (path.stat().st_dev, path.stat().st_ino):
            n = min(len(data), left["room"])
            if n == 0:
                raise no_space()
            left["room"] -= n
            return real(fd, bytes(data[:n]))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


def read_only(monkeypatch, folder: Path) -> None:
    """Opening a file for writing in ``folder`` fails as on a read-only mount (root would pass a chmod)."""
    real = os.open
    folder = folder.resolve()
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND

    def fake_open(path, flags, *args, **kwargs):
        if flags & writing and Path(path).resolve().parent == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


class Spy:
    """Stands in for the long work of a command, to show it never started."""

    def __init__(self):
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        raise AssertionError("the long work started before the output was checked")


# --- 1. label appends are all or nothing; a torn tail is repaired or refused --------------------------


def label(into: Path, text: str, tones: str = "conciliation"):
    return invoke("label", "--text", text, "--tones", tones, "--into", into)


def test_label_on_a_full_disk_leaves_the_file_whole_and_the_next_label_works(tmp_path, monkeypatch):
    into = tmp_path / "labels.jsonl"
    assert label(into, "We condemn the attack.", "condemnation").exit_code == 0
    before = into.read_bytes()
    with monkeypatch.context() as m:
        disk_fills_up_while_appending(m, into, room=12)
        result = label(into, "We call for calm and restraint.")
    assert (result.exit_code, result.output) == (1, f"Error: {into}{NO_SPACE}")
    assert into.read_bytes() == before  # the 12 bytes that fitted were cut away again
    result = label(into, "We call for calm and restraint.")  # space freed
    assert result.exit_code == 0, result.output
    texts = [s.text for s in read_statements([into])]  # what `train` reads
    assert texts == ["We condemn the attack.", "We call for calm and restraint."]


def test_label_failing_at_fsync_or_interrupted_mid_append_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    into = tmp_path / "labels.jsonl"
    label_one(into, "We condemn the attack.", ["condemnation"])
    before = into.read_bytes()
    with monkeypatch.context() as m:
        real = os.fsync
        m.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(no_space()) if os.fstat(fd).st_size else real(fd))
        with pytest.raises(ToneclsError, match="No space left on device"):
            label_one(into, "We call for calm.", ["conciliation"])
    assert into.read_bytes() == before
    with monkeypatch.context() as m:
        real_write = os.write

        def interrupted(fd, data):
            real_write(fd, bytes(data[:5]))
            raise KeyboardInterrupt

        m.setattr(os, "write", interrupted)
        with pytest.raises(KeyboardInterrupt):
            label_one(into, "We call for calm.", ["conciliation"])
    assert into.read_bytes() == before


def _raise(exc: BaseException):
    raise exc


def test_label_on_a_full_disk_does_not_leave_a_new_file(tmp_path, monkeypatch):
    into = tmp_path / "new.jsonl"
    with monkeypatch.context() as m:
        disk_fills_up_while_appending(m, into, room=3)
        result = label(into, "We call for calm.")
    assert result.exit_code == 1
    assert not into.exists()


def test_a_torn_last_line_is_refused_with_its_line_and_the_file_is_kept(tmp_path):
    into = tmp_path / "labels.jsonl"
    into.write_bytes(b'{"text": "We condemn the attack.", "labels": ["condemnation"]}\n{"text": "We will resp')
    before = into.read_bytes()
    result = label(into, "We call for calm.")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {into}:2: the last line is cut off (an earlier write did not finish); "
        "delete or complete it, then run again\n"
    )
    assert into.read_bytes() == before


def test_a_whole_last_record_without_its_newline_is_repaired(tmp_path):
    into = tmp_path / "labels.jsonl"
    into.write_bytes(b'{"text": "We condemn the attack.", "labels": ["condemnation"]}')  # edited by hand
    result = label(into, "We call for calm.")
    assert result.exit_code == 0, result.output
    assert [s.text for s in read_statements([into])] == ["We condemn the attack.", "We call for calm."]


def test_a_labeling_session_refuses_a_torn_file_before_the_first_statement(tmp_path):
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": "p1", "text": "We call for calm."}])
    into = tmp_path / "labels.jsonl"
    into.write_bytes(b'{"text": "We will resp')
    result = invoke("label", pool, "--into", into, "--order", "file", input="a")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {into}:1: the last line is cut off")
    assert into.read_bytes() == b'{"text": "We will resp'


GOOD_LINE = '{"text": "Nous condamnons l\'attaque é", "labels": ["condemnation"]}\n'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1, max_value=len(GOOD_LINE.encode())))
def test_an_append_after_a_line_cut_anywhere_never_glues_two_records(cut):
    line = GOOD_LINE.encode()
    with tempfile.TemporaryDirectory() as tmp:
        into = Path(tmp) / "labels.jsonl"
        into.write_bytes(line + line[:cut])
        try:
            label_one(into, "We call for calm.", ["conciliation"])
        except InputError as exc:
            assert cut < len(line) - 1  # refused only when the last record is really incomplete
            assert exc.line == 2
            assert into.read_bytes() == line + line[:cut]
            return
        rows = [json.loads(raw) for raw in into.read_text(encoding="utf-8").splitlines()]
        assert [r["text"] for r in rows][-1] == "We call for calm."
        assert len(rows) == 3


# --- 2. a full disk while writing an output: one line, nothing left behind ----------------------------


@pytest.fixture
def outputs(tmp_path, tiny_data, tiny_model_path):
    """For each command: its arguments and the output it writes (which exists already, to be kept)."""
    src = statements_file(tmp_path / "in.jsonl", 60)
    scores = tmp_path / "scores.jsonl"
    assert invoke("score", src, "--out", scores, "-q").exit_code == 0
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    cases = {
        "score": (["score", src, "--out", out / "s.jsonl", "--force", "-q"], out / "s.jsonl"),
        "train": (["train", tiny_data, "--out", out / "m.model", "-q", *TINY_SETTINGS], out / "m.model"),
        "extract": (["extract", tmp_path / "a.txt", "--out", out / "pool.jsonl", "--force"], out / "pool.jsonl"),
        "report": (["report", scores, "--out", out / "r.html", "--force", "-q"], out / "r.html"),
    }
    for _, path in cases.values():
        path.write_bytes(tiny_model_path.read_bytes() if path.suffix == ".model" else b"earlier results\n")
    return cases


@pytest.mark.parametrize("command", ["score", "train", "extract", "report"])
def test_a_full_disk_is_one_line_and_keeps_the_old_output(outputs, command, monkeypatch):
    args, out = outputs[command]
    before = out.read_bytes()
    disk_fills_up_while_writing(monkeypatch, room=100)
    result = invoke(*args)
    assert (result.exit_code, result.output) == (1, f"Error: {out}{NO_SPACE}")
    assert out.read_bytes() == before
    assert leftovers(out.parent) == []


def test_a_full_disk_at_fsync_is_one_line_too(outputs, monkeypatch):
    args, out = outputs["score"]
    monkeypatch.setattr(os, "fsync", lambda fd: _raise(no_space()))
    result = invoke(*args)
    assert (result.exit_code, result.output) == (1, f"Error: {out}{NO_SPACE}")
    assert out.read_bytes() == b"earlier results\n"
    assert leftovers(out.parent) == []


def test_a_file_size_limit_mid_write_in_a_real_process_is_one_line(tmp_path):
    """A real write(2) failing half-way (EFBIG from RLIMIT_FSIZE stands in for ENOSPC without filling a disk)."""
    src = statements_file(tmp_path / "in.jsonl", 1000)  # about 300 KB of output
    out = tmp_path / "out.jsonl"

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))

    proc = subprocess.run(
        [sys.executable, "-m", "tonecls", "score", str(src), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit_file_size,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert (proc.returncode, proc.stderr) == (1, f"Error: {out}: {os.strerror(errno.EFBIG)}\n")
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_an_os_error_escaping_a_command_is_one_line_naming_its_file(tmp_path, monkeypatch):
    def unreadable(path, **options):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr("tonecls.documents.read_document", unreadable)
    (tmp_path / "a.txt").write_text("The ministry said it would respond.\n", encoding="utf-8")
    result = invoke("extract", tmp_path / "a.txt")
    assert (result.exit_code, result.output) == (1, f"Error: {tmp_path / 'a.txt'}: {os.strerror(errno.EACCES)}\n")


# --- 3. a read-only output folder is found before the long work ---------------------------------------


@pytest.fixture
def ro(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    read_only(monkeypatch, folder)
    return folder


def test_score_checks_its_output_before_scoring(tmp_path, ro, monkeypatch):
    spy = Spy()
    monkeypatch.setattr(TonePredictor, "predict_proba", spy)
    monkeypatch.setattr(TonePredictor, "predict_proba_with_coverage", spy)  # what `score` calls
    src = statements_file(tmp_path / "in.jsonl", 10)
    result = invoke("score", src, "--out", ro / "s.csv")
    assert (result.exit_code, result.output, spy.calls) == (1, f"Error: {ro / 's.csv'}{READ_ONLY}", 0)


def test_train_checks_its_output_before_training(tiny_data, ro, monkeypatch):
    spy = Spy()
    monkeypatch.setattr("tonecls.training.train", spy)
    out = ro / "new" / "m.model"  # train makes the folder: the check looks at the nearest existing one
    result = invoke("train", tiny_data, "--out", out, *TINY_SETTINGS)
    assert (result.exit_code, result.output, spy.calls) == (1, f"Error: {out}{READ_ONLY}", 0)
    assert not (ro / "new").exists()


def test_extract_checks_its_output_before_reading_articles(tmp_path, ro, monkeypatch):
    spy = Spy()
    monkeypatch.setattr("tonecls.extract.extract_file", spy)
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    result = invoke("extract", tmp_path / "a.txt", "--out", ro / "pool.jsonl")
    assert (result.exit_code, result.output, spy.calls) == (1, f"Error: {ro / 'pool.jsonl'}{READ_ONLY}", 0)


@pytest.mark.parametrize("where", ["out", "png"])
def test_report_checks_its_outputs_before_drawing(tmp_path, ro, monkeypatch, where):
    src = statements_file(tmp_path / "in.jsonl", 10)
    scores = tmp_path / "scores.jsonl"
    assert invoke("score", src, "--out", scores, "-q").exit_code == 0
    spy = Spy()
    monkeypatch.setattr("tonecls.report.draw_timelines", spy)
    out, png = (ro / "r.html", tmp_path / "png") if where == "out" else (tmp_path / "r.html", ro / "png")
    result = invoke("report", scores, "--out", out, "--png", png, "-q")
    named = out if where == "out" else png
    assert (result.exit_code, result.output, spy.calls) == (1, f"Error: {named}{READ_ONLY}", 0)


def test_label_in_a_read_only_folder_is_one_line(tmp_path, ro):
    result = label(ro / "labels.jsonl", "We call for calm.")
    assert (result.exit_code, result.output) == (1, f"Error: {ro / 'labels.jsonl'}{READ_ONLY}")
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": "p1", "text": "We call for calm."}])
    result = invoke("label", pool, "--into", ro / "labels.jsonl", "--order", "file", input="a")
    assert (result.exit_code, result.output) == (1, f"Error: {ro / 'labels.jsonl'}{READ_ONLY}")


def test_check_writable_refuses_what_the_write_would_refuse(tmp_path):
    (tmp_path / "there.csv").write_text("x")
    with pytest.raises(ToneclsError, match="already exists; use --force"):
        check_writable(tmp_path / "there.csv")
    assert check_writable(tmp_path / "there.csv", overwrite=True) == tmp_path / "there.csv"
    with pytest.raises(ToneclsError, match="no such folder"):
        check_writable(tmp_path / "nope" / "out.csv")
    with pytest.raises(ToneclsError, match="is a folder"):
        check_writable(tmp_path, overwrite=True)
    assert leftovers(tmp_path) == []


# --- 5. the one atomic writer ---------------------------------------------------------------------------


def test_atomic_write_leaves_the_old_file_on_any_exception(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old\n")
    with pytest.raises(ValueError), atomic_write(path, overwrite=True) as fh:
        fh.write("new, half")
        raise ValueError("boom")
    assert path.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_atomic_write_will_not_replace_a_file_made_while_it_wrote(tmp_path):
    path = tmp_path / "out.txt"
    with pytest.raises(ToneclsError, match="made while tonecls was writing"), atomic_write(path) as fh:
        fh.write("ours\n")
        path.write_text("someone else's\n")
    assert path.read_text() == "someone else's\n"
    assert leftovers(tmp_path) == []


def test_atomic_write_gives_the_mode_a_new_file_would_have(tmp_path):
    with atomic_write(tmp_path / "out.bin", "wb") as fh:
        fh.write(b"\x00\x01")
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "out.bin").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "out.bin").read_bytes() == b"\x00\x01"


def test_every_writer_goes_through_the_atomic_module():
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "tonecls").glob("*.py"), *(root / "benchmarks").glob("*.py")]
    own_writers = re.compile(r"mkstemp|os\.replace\(|os\.rename\(|tmp\.replace\(|os\.fdopen\(")
    assert [p.name for p in sources if p.name != "atomic.py" and own_writers.search(p.read_text())] == []


# --- 4. SIGTERM and SIGHUP unwind: no temp file, no output, exit 128 + signal -------------------------


def start_score(tmp_path: Path, jobs: int) -> tuple[subprocess.Popen, Path]:
    """`score big.jsonl - --out`: the file, then standard input, which stays open so the run never ends."""
    src = statements_file(tmp_path / "big.jsonl", 20_000)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "tonecls", "score", str(src), "-", "--out", str(out), "-q", "--jobs", str(jobs)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, out


def wait_for(condition, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"ended early: {proc.returncode} {proc.stderr.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the condition was never reached")
        time.sleep(0.05)


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def workers_of(pid: int) -> set[int]:
    return {c for c in children(pid) if b"spawn_main" in _cmdline(c)}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; it only waits for its new parent to reap it


def gone_soon(pids: set[int]) -> set[int]:
    """The pids still alive after polling for up to WAIT seconds (none, when they end with their parent)."""
    deadline = time.monotonic() + WAIT
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")


@needs_proc
@pytest.mark.parametrize(("sig", "jobs"), [(signal.SIGTERM, 1), (signal.SIGHUP, 1), (signal.SIGTERM, 2)])
def test_a_stopped_score_leaves_no_temp_file_and_no_output(tmp_path, sig, jobs):
    proc, out = start_score(tmp_path, jobs)
    wait_for(lambda: any(name.startswith(".out.jsonl.") for name in leftovers(tmp_path)), proc)
    if jobs > 1:
        wait_for(lambda: len(workers_of(proc.pid)) == jobs, proc)
    helpers = children(proc.pid)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 128 + sig
    assert err.decode().endswith(f"Error: stopped by {signal.Signals(sig).name}\n")
    assert leftovers(tmp_path) == []
    assert not out.exists()
    assert gone_soon(helpers) == set()


# --- 6. workers end with their parent; parallel output is the serial output -------------------------------


@needs_proc
def test_workers_end_when_their_parent_is_killed(tmp_path):
    proc, _ = start_score(tmp_path, jobs=2)
    helpers: set[int] = set()
    try:
        wait_for(lambda: len(workers_of(proc.pid)) == 2, proc)
        helpers = children(proc.pid)  # the two workers and multiprocessing's resource tracker
        proc.kill()
        proc.wait(timeout=WAIT)
        assert gone_soon(helpers) == set()
    finally:
        proc.kill()
        for pid in {p for p in helpers if alive(p)}:  # a failed run must not leave them to the machine
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=WAIT)


def test_two_jobs_write_the_same_bytes_as_one(tmp_path):
    src = statements_file(tmp_path / "in.jsonl", 10_000)  # parts of 64 KB: about 14, so the pool really runs
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert invoke("score", src, "--out", one, "-q", "--jobs", "1").exit_code == 0
    result = invoke("score", src, "--out", two, "-q", "--jobs", "2", "--part-size", "64KB")
    assert result.exit_code == 0, result.output
    assert two.read_bytes() == one.read_bytes()


def test_ordered_map_keeps_order_and_reads_ahead_only_a_little():
    consumed = []

    def items():
        for i in range(12):
            consumed.append(i)
            yield "x" * i

    results = []
    for n in ordered_map(len, items(), workers=1, ahead=3):
        results.append(n)
        assert len(consumed) - len(results) <= 3
    assert results == list(range(12))


SHIPPED = Path(__file__).resolve().parents[2] / "models" / "tonecls.model"


@pytest.mark.skipif(not SHIPPED.exists(), reason="needs a second model: the shipped one")
def test_a_worker_that_loads_another_model_is_one_error(tiny_model_path):
    model = load_model(tiny_model_path)
    model.path_ = SHIPPED  # as if the file were replaced by another model after loading
    items = (Item(str(i), TINY[i % len(TINY)][0]) for i in range(4097))
    with pytest.raises(ToneclsError, match="the model file changed while scoring"):
        list(score_items(model, items, Summary(), jobs=2))
