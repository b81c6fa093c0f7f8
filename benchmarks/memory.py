"""Peak memory of `tonecls score` on JSONL files of different sizes: it must not grow with the input.

Each run is a fresh child process; its peak resident set size comes from the
operating system (getrusage of a wrapper that runs only that child).

Usage: python benchmarks/memory.py [--sizes 10000 200000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, generated_statements, load_corpus, machine, write_results  # noqa: E402

from tonecls.model_file import default_model_path  # noqa: E402

WRAPPER = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mb(cmd: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # Linux reports kilobytes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 200000])
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    statements = load_corpus()
    info = machine()
    print(f"# Memory ({info['date']}, {info['cores']} cores, {info['cpu']})\n")
    print("| statements (JSONL) | input MB | peak RSS of `tonecls score` (MB) |\n|---|---|---|")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            src = Path(tmp) / f"in-{n}.jsonl"
            with src.open("w", encoding="utf-8") as fh:
                for i, text in enumerate(generated_statements(statements, n, seed=1)):
                    fh.write(json.dumps({"id": f"g{i}", "text": text}) + "\n")
            out = Path(tmp) / f"out-{n}.jsonl"
            cmd = [
                sys.executable,
                "-m",
                "tonecls",
                "score",
                str(src),
                "--out",
                str(out),
                "-q",
                "--model",
                str(args.model),
            ]
            peak = peak_rss_mb(cmd)
            written = sum(1 for _ in out.open(encoding="utf-8"))
            size = src.stat().st_size / 1e6
            rows[str(n)] = {"peak_rss_mb": peak, "input_mb": size, "rows_written": written}
            print(f"| {n:,} | {size:.1f} | {peak:.0f} |")
    sizes = [str(n) for n in args.sizes]
    growth = rows[sizes[-1]]["peak_rss_mb"] / rows[sizes[0]]["peak_rss_mb"]
    print(f"\npeak RSS at {int(sizes[-1]):,} / at {int(sizes[0]):,} statements: {growth:.2f}")
    print(f"wrote {write_results('memory', {'runs': rows, 'growth_ratio': growth}, args.out_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
