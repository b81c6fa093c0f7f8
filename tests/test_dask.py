"""`tonecls score --dask` and tonecls.dask.score_dataframe on a loopback LocalCluster of two worker processes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tonecls.cli import cli

from .conftest import TINY

distributed = pytest.importorskip(
    "distributed", reason="the Dask tests need the dask extra: pip install 'tonecls[dask]' (CI installs it)"
)
pd = pytest.importorskip("pandas", reason="the Dask tests need the dask extra (pandas)")
pa = pytest.importorskip("pyarrow", reason="the Dask tests need the dask extra (pyarrow)")
dd = pytest.importorskip("dask.dataframe", reason="the Dask tests need the dask extra (dask[dataframe])")
import dask  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, silence_logs=40
    ) as local:
        yield local


@pytest.fixture(scope="module")
def address(cluster) -> str:
    return cluster.scheduler_address


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def inputs(folder: Path) -> list[Path]:
    """JSONL, CSV and Parquet inputs of some 300 statements with bad rows among them, and a missing file."""
    texts = [t for t, _ in TINY] * 5
    jsonl = folder / "in.jsonl"
    lines = [json.dumps({"id": f"j{i}", "text": t, "actor": "X"}) for i, t in enumerate(texts)]
    lines[7] = "not json"
    lines[30] = json.dumps({"text": 5})
    lines[61] = json.dumps({"text": ""})
    jsonl.write_text("\n".join(lines) + "\n")
    csv = folder / "in.csv"
    csv.write_text(
        "text,id,date\n"
        + "".join(f'"{t}\nsecond line",c{i},2024-0{1 + i % 9}-01\n' for i, t in enumerate(texts))
        + '"never closed,c-x,\n'
    )
    parquet = folder / "in.parquet"
    values = [None if i == 3 else t for i, t in enumerate(texts)]
    pq.write_table(pa.table({"text": values, "speaker": ["S"] * len(texts)}), parquet, row_group_size=16)
    return [jsonl, csv, parquet, folder / "missing.jsonl"]


def test_dask_gives_the_bytes_and_counts_of_score_and_jobs(tmp_path, address):
    src = inputs(tmp_path)
    one = run("score", *src)
    two = run("score", *src, "--jobs", "2", "--part-size", "2KB")  # parts read by two worker processes
    on_dask = run("score", *src, "--dask", address, "--part-size", "2KB")
    assert one.exit_code == two.exit_code == on_dask.exit_code == 0, on_dask.output
    assert len(one.stdout.splitlines()) > 250
    assert one.stdout == two.stdout == on_dask.stdout
    assert one.stderr == on_dask.stderr  # the same skips, in the same order, and the same counts
    assert "in.jsonl:8: skipped: invalid JSON" in one.stderr and "missing.jsonl: skipped: no such file" in one.stderr
    assert one.stderr.splitlines()[-1].endswith("skipped 6 inputs")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_dask_writes_the_file_score_writes(tmp_path, address, suffix):
    src = inputs(tmp_path)[:3]
    here, there = tmp_path / f"here{suffix}", tmp_path / f"there{suffix}"
    assert run("score", *src, "--out", here).exit_code == 0
    result = run("score", *src, "--out", there, "--dask", address, "--part-size", "3KB")
    assert result.exit_code == 0, result.output
    if suffix == ".parquet":
        assert pq.read_table(there).to_pylist() == pq.read_table(here).to_pylist()
    else:
        assert there.read_bytes() == here.read_bytes()


def test_dask_writes_a_folder_of_parquet_parts_in_input_order(tmp_path, address):
    src = inputs(tmp_path)[:3]
    here, parts = tmp_path / "here.parquet", tmp_path / "parts"
    assert run("score", *src, "--out", here).exit_code == 0
    result = run("score", *src, "--out", f"{parts}/", "--dask", address, "--part-size", "4KB")
    assert result.exit_code == 0, result.output
    files = sorted(parts.iterdir())
    assert len(files) > 3 and all(f.name.startswith("part-") for f in files)
    rows = [row for f in files for row in pq.read_table(f).to_pylist()]
    assert rows == pq.read_table(here).to_pylist()
    again = run("score", *src, "--out", f"{parts}/", "--dask", address)
    assert again.exit_code == 1 and "already exists; use --force" in again.output
    (parts / "notes.txt").write_text("mine")
    forced = run("score", *src, "--out", f"{parts}/", "--dask", address, "--force")
    assert forced.exit_code == 1 and "not only part-*.parquet files; not replacing it" in forced.output
    assert (parts / "notes.txt").read_text() == "mine"


def killer_plugin(marker: str):
    """A worker plugin that ends its worker's process the first time any worker starts a scoring task."""

    class KillOnce(distributed.WorkerPlugin):
        def transition(self, key, start, finish, **kwargs):
            if finish == "executing" and str(key).startswith("tonecls-score"):
                try:
                    fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os._exit(1)

    return KillOnce()


def test_a_worker_killed_mid_run_loses_no_row(tmp_path, cluster, address):
    src = inputs(tmp_path)
    marker = tmp_path / "killed"
    expected = run("score", *src)
    with distributed.Client(address) as client:
        before = set(client.run(os.getpid).values())
        client.register_plugin(killer_plugin(str(marker)), name="kill-once")
        try:
            result = run("score", *src, "--dask", address, "--part-size", "1KB")
        finally:
            client.unregister_worker_plugin("kill-once")
        client.wait_for_workers(2, timeout=60)
        after = set(client.run(os.getpid).values())
    assert marker.exists(), "no worker was killed"
    assert int(marker.read_text()) in before and int(marker.read_text()) not in after  # its process really ended
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.stdout and result.stderr == expected.stderr


def test_score_jobs_2_and_dask_local_write_the_same_jsonl(tmp_path):
    """`--dask local` starts its own LocalCluster on this machine's cores, for the length of the run."""
    src = inputs(tmp_path)[:1]
    expected = run("score", *src)
    jobs = run("score", *src, "--jobs", "2", "--part-size", "4KB")
    local = run("score", *src, "--dask", "local", "--part-size", "4KB")
    assert local.exit_code == 0, local.output
    assert expected.stdout == jobs.stdout == local.stdout
    assert expected.stderr == jobs.stderr == local.stderr


def test_score_dataframe_adds_scores_and_says_why_rows_were_skipped(address, tiny_model_path):
    import tonecls
    from tonecls.dask import score_dataframe

    texts = [t for t, _ in TINY]
    frame = pd.DataFrame({"text": pd.Series([*texts, None, 7, "  "], dtype=object), "n": range(len(texts) + 3)})
    with dask.config.set({"dataframe.convert-string": False}):  # keep the 7 a number, as a user's frame may
        ddf = dd.from_pandas(frame, npartitions=3)
    with distributed.Client(address):
        scored = score_dataframe(ddf, tiny_model_path).compute()
    expected = tonecls.score_batch(tonecls.load_model(tiny_model_path), texts)
    assert list(scored["n"]) == list(frame["n"])
    assert list(scored["skipped"][: len(texts)]) == [None] * len(texts)
    assert list(scored["skipped"][len(texts) :]) == [
        "missing or empty 'text'",
        "'text' must be a string, not int",
        "missing or empty 'text'",
    ]
    assert [list(t) for t in scored["tones"][: len(texts)]] == [r["tones"] for r in expected]
    assert list(scored["score_threat"][: len(texts)]) == [r["scores"]["threat"] for r in expected]
    assert scored["score_threat"][len(texts) :].isna().all()


def test_score_dataframe_runs_without_a_cluster_too(tiny_model_path):
    from tonecls.dask import score_dataframe

    ddf = dd.from_pandas(pd.DataFrame({"body": ["We condemn the attack."]}), npartitions=1)
    scored = score_dataframe(ddf, tiny_model_path, text="body").compute(scheduler="sync")
    assert scored["skipped"].tolist() == [None] and 0 <= scored["score_condemnation"][0] <= 1


def test_dask_refuses_what_it_cannot_do(tmp_path, address, monkeypatch):
    src = inputs(tmp_path)[0]
    both = run("score", src, "--dask", address, "--jobs", "2")
    assert both.exit_code == 2 and "give --jobs or --dask, not both" in both.output
    stdin = run("score", "-", "--dask", address)
    assert stdin.exit_code == 1 and "--dask reads files and folders, not standard input" in stdin.output
    size = run("score", src, "--dask", address, "--part-size", "lots")
    assert size.exit_code == 2 and "is not a size such as 16MB" in size.output
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        unreachable = run("score", src, "--dask", "tcp://127.0.0.1:9")
    assert unreachable.exit_code == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in unreachable.output
    monkeypatch.setitem(sys.modules, "distributed", None)
    missing = run("score", src, "--dask", "local")
    assert missing.exit_code == 1
    assert missing.output == "Error: --dask needs Dask and its distributed scheduler: pip install 'tonecls[dask]'\n"


def test_dask_with_nothing_scored_leaves_no_output_folder(tmp_path, address):
    (tmp_path / "empty.jsonl").write_text("\n")
    result = run("score", tmp_path / "empty.jsonl", "--dask", address, "--out", f"{tmp_path}/parts/")
    assert result.exit_code == 1 and "nothing was scored" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]
