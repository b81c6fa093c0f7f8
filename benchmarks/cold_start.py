"""Cold start: a whole `tonecls classify` process against `python -c "import sklearn.feature_extraction.text"`.

Also the same model file without its stem table (as files written before 0.3), which stems with nltk
and so imports it: what the table saves. Runs alternate; the medians are compared.

Usage: python benchmarks/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, Timer, machine, write_results  # noqa: E402

from tonecls.model_file import default_model_path  # noqa: E402

EXAMPLE = "This violation of our sovereignty is completely unacceptable and can have serious consequences."


def without_table(model: Path, out: Path) -> Path:
    """A copy of the model file whose model.json has no stem table: loading it stems with nltk."""
    with zipfile.ZipFile(model) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "model.json":
                meta = json.loads(data)
                meta.pop("word_forms", None)
                data = json.dumps(meta).encode()
            dst.writestr(info, data)
    return out


def timed(cmd: list[str]) -> float:
    with Timer() as t:
        subprocess.run(cmd, check=True, capture_output=True)
    return t.seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (medians are compared)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    tonecls = Path(sys.executable).with_name("tonecls")
    launcher = [str(tonecls)] if tonecls.exists() else [sys.executable, "-m", "tonecls"]
    with tempfile.TemporaryDirectory() as tmp:
        old = without_table(args.model, Path(tmp) / "no-table.model")
        commands = {
            "tonecls classify": [*launcher, "classify", "--model", str(args.model), EXAMPLE],
            "tonecls classify, model without a stem table (imports nltk)": [
                *launcher,
                "classify",
                "--model",
                str(old),
                EXAMPLE,
            ],
            "import sklearn.feature_extraction.text": [sys.executable, "-c", "import sklearn.feature_extraction.text"],
            "import numpy, scipy.sparse (what scoring needs)": [sys.executable, "-c", "import numpy, scipy.sparse"],
        }
        for cmd in commands.values():  # warm the file cache
            timed(cmd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(timed(cmd))
    medians = {name: statistics.median(t) for name, t in times.items()}
    floor = medians["import sklearn.feature_extraction.text"]
    print(f"cold start, median of {args.runs} alternating runs; load average {os.getloadavg()[0]:.2f}\n")
    print("| command | median s | vs the sklearn import |")
    print("|---|---|---|")
    for name, seconds in medians.items():
        print(f"| {name} | {seconds:.2f} | {seconds / floor:.2f} |")
    ratio = medians["tonecls classify"] / floor
    path = write_results(
        "cold_start", {"runs": args.runs, "seconds": times, "medians": medians, "ratio": ratio}, args.out_dir
    )
    print(f"\n`tonecls classify` / import sklearn.feature_extraction.text: {ratio:.2f} (target 0.5)")
    print(f"wrote {path} ({machine()['date']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
