"""`tonecls score --jobs N` against `--jobs 1`: whole processes on one JSONL file, output bytes compared.

One run of each, alternating, so compare the ratio (on a machine shared with other work the absolute
seconds move from run to run).

Usage: python benchmarks/jobs.py [--n 100000] [--jobs 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, Timer, generated_statements, load_corpus, machine, write_results  # noqa: E402

from tonecls.model_file import default_model_path  # noqa: E402


def write_statements(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"id": f"s{i}", "text": text}) + "\n")


def run_score(src: Path, out: Path, jobs: int, model: Path) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the run and its worker processes (user + system)."""
    cmd = [sys.executable, "-m", "tonecls", "score", str(src), "--out", str(out), "--force", "-q"]
    cmd += ["--jobs", str(jobs), "--model", str(model)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Timer() as t:
        subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t.seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--n", type=int, default=100_000, help="statements to score")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    texts = generated_statements(load_corpus(), args.n, seed=7)
    load_before = os.getloadavg()[0]
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        write_statements(src, texts)
        outputs = {}
        for jobs in args.jobs:
            out = Path(tmp) / f"jobs{jobs}.jsonl"
            seconds, cpu = run_score(src, out, jobs, args.model)
            outputs[jobs] = out.read_bytes()
            runs[str(jobs)] = {"seconds": seconds, "per_second": args.n / seconds, "cpu_seconds": cpu}
    base = runs[str(args.jobs[0])]["per_second"]
    identical = all(data == outputs[args.jobs[0]] for data in outputs.values())
    for run in runs.values():
        run["ratio"] = run["per_second"] / base
    print(f"`tonecls score` on {args.n:,} statements (JSONL in and out), one run each")
    print(f"load average before the runs: {load_before:.2f} on {os.cpu_count()} cores\n")
    print("| --jobs | seconds | statements/s | throughput vs --jobs 1 | CPU seconds (all processes) |")
    print("|---|---|---|---|---|")
    for jobs, run in runs.items():
        print(
            f"| {jobs} | {run['seconds']:.1f} | {run['per_second']:,.0f} | {run['ratio']:.2f} "
            f"| {run['cpu_seconds']:.1f} |"
        )
    print(f"\noutput bytes identical across --jobs: {identical}")
    path = write_results(
        "jobs",
        {"n": args.n, "load_average_before": load_before, "runs": runs, "identical": identical},
        args.out_dir,
    )
    print(f"wrote {path} ({machine()['date']})")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
