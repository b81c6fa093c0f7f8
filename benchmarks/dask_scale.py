"""Scoring a large Parquet file: one `tonecls score` process against `tonecls score --dask` on a LocalCluster.

The statements are resampled from the corpus's sentences and written to Parquet in row groups of 65,536;
both runs write Parquet. The cluster is the one `--dask local` starts (one single-threaded worker process
per core, loopback only), started here so that its workers' peak memory can be read after the run; its
start-up time is reported apart. Peak memory is each process's maximum resident set size.

Usage: python benchmarks/dask_scale.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, Timer, generated_statements, load_corpus, machine, write_results  # noqa: E402

from tonecls.model_file import default_model_path  # noqa: E402

PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def write_input(path: Path, n: int, batch: int = 65_536) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    statements = load_corpus()
    schema = pa.schema([("id", pa.string()), ("text", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n, batch):
            size = min(batch, n - start)
            texts = generated_statements(statements, size, seed=start)
            ids = [f"s{start + i}" for i in range(size)]
            writer.write_table(pa.table({"id": ids, "text": texts}, schema=schema))


def run_with_peak(cmd: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of a command, measured in a wrapper process of its own."""
    with Timer() as t:
        done = subprocess.run([sys.executable, "-c", PEAK, *cmd], check=True, capture_output=True, text=True)
    return t.seconds, int(done.stdout.split()[-1]) / 1024


def worker_peaks(client) -> list[float]:
    def peak() -> int:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    return [kb / 1024 for kb in client.run(peak).values()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--n", type=int, default=1_000_000, help="statements to score")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--part-size", default="16MB")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import pyarrow.parquet as pq
    from distributed import Client, LocalCluster

    tonecls = [sys.executable, "-m", "tonecls", "score", "-q", "--model", str(args.model)]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.parquet"
        write_input(src, args.n)
        single_out, dask_out = Path(tmp) / "single.parquet", Path(tmp) / "dask.parquet"
        single_s, single_peak = run_with_peak([*tonecls, str(src), "--out", str(single_out)])
        with Timer() as start:
            cluster = LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        try:
            cmd = [*tonecls, str(src), "--out", str(dask_out), "--dask", cluster.scheduler_address]
            dask_s, client_peak = run_with_peak([*cmd, "--part-size", args.part_size])
            peaks = worker_peaks(client)
        finally:
            client.close()
            cluster.close()
        identical = pq.read_table(single_out).equals(pq.read_table(dask_out))
        input_mb = src.stat().st_size / 2**20
    result = {
        "n": args.n,
        "input_mb": input_mb,
        "single": {"seconds": single_s, "per_second": args.n / single_s, "peak_rss_mb": single_peak},
        "dask": {
            "workers": args.workers,
            "seconds": dask_s,
            "per_second": args.n / dask_s,
            "client_peak_rss_mb": client_peak,
            "worker_peak_rss_mb": peaks,
            "cluster_start_seconds": start.seconds,
        },
        "identical": identical,
        "load_average_after": os.getloadavg()[0],
    }
    print(f"{args.n:,} statements from Parquet ({input_mb:.0f} MB), Parquet out; one run each\n")
    print("| run | seconds | statements/s | peak RSS (MB) |")
    print("|---|---|---|---|")
    print(f"| one process (`tonecls score`) | {single_s:.1f} | {args.n / single_s:,.0f} | {single_peak:.0f} |")
    workers = ", ".join(f"{p:.0f}" for p in peaks)
    print(
        f"| LocalCluster, {args.workers} workers (`--dask`) | {dask_s:.1f} | {args.n / dask_s:,.0f} | "
        f"client {client_peak:.0f}; workers {workers} |"
    )
    print(f"\nspeed-up {single_s / dask_s:.2f}; cluster start-up {start.seconds:.1f} s (not in the run's time)")
    print(f"same rows in both outputs: {identical}; load average after: {result['load_average_after']:.2f}")
    path = write_results("dask_scale", result, args.out_dir)
    print(f"wrote {path} ({machine()['date']})")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
