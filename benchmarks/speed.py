"""Speed of tonecls: batch throughput against a scikit-learn floor, end-to-end scoring, cold start, training.

All timings come from one run on one machine, so compare the ratios, not the
absolute numbers with another machine's.

Rates are given per wall second and per CPU second of the process (`time.process_time`): on a shared
machine the CPU seconds say what the wall clock cannot, and the ratio to the floor is taken on them.

Usage: python benchmarks/speed.py [--sizes 1000 10000 100000] [--files 10000] [--text corpus|seeds]
       [--no-jobs] [--no-embed] [--no-cold] [--train-sizes]   (an empty --train-sizes skips training)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    RESULTS,
    SHARED,
    Timer,
    generated_statements,
    labels_of,
    load_corpus,
    machine,
    seed_word_statements,
    write_results,
)
from systems import MiniLM, embedding_available  # noqa: E402

from tonecls.model import Settings, ToneModel  # noqa: E402
from tonecls.model_file import default_model_path, load_predictor  # noqa: E402
from tonecls.score import Item, Summary, score_items  # noqa: E402

EXAMPLE = "This violation of our sovereignty is completely unacceptable and can have serious consequences."


class Clock:
    """Wall and CPU seconds of this process over a block."""

    def __enter__(self) -> Clock:
        self.start = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.start[0]
        self.cpu = time.process_time() - self.start[1]


FLOOR_CHUNK = 50_000  # the floor transforms this many at once: its per-call overhead is nothing, its memory bounded


def scorer_rate(model, texts: list[str], jobs: int = 1) -> dict:
    """`score_items`, what `tonecls score` runs, rows built (statements per wall and per CPU second)."""
    items = (Item(str(i), t) for i, t in enumerate(texts))
    with Clock() as c:
        for _ in score_items(model, items, Summary(), jobs=jobs):
            pass
    return {"wall": len(texts) / c.wall, "cpu": len(texts) / c.cpu}


def floor_rate(train_texts, y, texts) -> dict:
    """scikit-learn's own TfidfVectorizer(1, 2) transform and a logistic regression per tone."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2)).fit(train_texts)
    x = vectorizer.transform(train_texts)
    models = [LogisticRegression(max_iter=1000).fit(x, y[:, k]) for k in range(y.shape[1])]
    with Clock() as c:
        for start in range(0, len(texts), FLOOR_CHUNK):
            xt = vectorizer.transform(texts[start : start + FLOOR_CHUNK])
            for m in models:
                m.predict_proba(xt)
    return {"wall": len(texts) / c.wall, "cpu": len(texts) / c.cpu}


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        with Timer() as t:
            subprocess.run(cmd, check=True, capture_output=True)
        times.append(t.seconds)
    return statistics.median(times)


def cold_start(model_path: Path, runs: int) -> dict:
    tonecls = [sys.executable, "-m", "tonecls", "classify", "--model", str(model_path), EXAMPLE]
    floor = [sys.executable, "-c", "import sklearn.feature_extraction.text"]
    wall(floor, 1)  # warm the file cache for both
    wall(tonecls, 1)
    t_tonecls, t_floor = wall(tonecls, runs), wall(floor, runs)
    return {"tonecls_classify_s": t_tonecls, "import_sklearn_text_s": t_floor, "ratio": t_tonecls / t_floor}


def score_folder(model_path: Path, texts: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"{i:06d}.txt").write_text(text, encoding="utf-8")
        out = Path(tmp) / "out.csv"
        cmd = [
            sys.executable,
            "-m",
            "tonecls",
            "score",
            str(folder),
            "--out",
            str(out),
            "-q",
            "--model",
            str(model_path),
        ]
        seconds = wall(cmd, 1)
        rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
    return {"files": len(texts), "rows": rows, "seconds": seconds, "per_second": len(texts) / seconds}


def training_times(statements, sizes: list[int]) -> dict:
    out = {}
    y_all = labels_of(statements)
    for n in sizes:
        texts = generated_statements(statements, n, seed=n)
        rng = np.random.RandomState(n)
        y = y_all[rng.randint(0, len(statements), size=n)]
        with Timer() as t:
            ToneModel(Settings()).fit(texts, y)
        out[str(n)] = t.seconds
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--train-sizes", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5, help="repeats of each cold-start timing")
    parser.add_argument("--embed-size", type=int, default=1000)
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--no-jobs", action="store_true", help="skip the 2-process column")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start timing")
    parser.add_argument("--text", choices=("corpus", "seeds"), default="corpus", help="what the statements are")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    statements = load_corpus()
    model = load_predictor(args.model)
    train_texts, y = [s.text for s in statements], labels_of(statements)
    if args.text == "seeds":
        texts = seed_word_statements(SHARED / "seeds", max(args.sizes), seed=0)
        what = "statements of 45 words drawn from the words of the seed articles (open-domain vocabulary)"
    else:
        texts = generated_statements(statements, max(args.sizes), seed=0)
        what = "statements of about 45 words resampled from the corpus's sentences"
    info = machine()
    print(f"# Speed ({info['date']}, {info['cores']} cores, {info['cpu']}, load average {load_average()})\n")
    print(f"{what}; model {args.model}\n")

    print(
        "| statements | tonecls, 1 process (stmt/s, wall / CPU) | µs per statement (CPU) | tonecls, 2 processes "
        "| sklearn floor (stmt/s, wall / CPU) | ratio 1 proc (wall / CPU) | ratio 2 proc |"
    )
    print("|---|---|---|---|---|---|---|")
    batch = {}
    for n in args.sizes:
        chunk = texts[:n]
        one = scorer_rate(model, chunk)
        two = None if args.no_jobs else scorer_rate(model, chunk, jobs=2)
        floor = floor_rate(train_texts, y, chunk)
        batch[str(n)] = {
            "tonecls": one,
            "tonecls_2_jobs": two,
            "floor": floor,
            "ratio": {k: one[k] / floor[k] for k in ("wall", "cpu")},
            "ratio_2_jobs": None if two is None else two["wall"] / floor["wall"],
            "us_per_statement_cpu": 1e6 / one["cpu"],
        }
        two_cells = ("-", "-") if two is None else (f"{two['wall']:,.0f}", f"{two['wall'] / floor['wall']:.2f}")
        print(
            f"| {n:,} | {one['wall']:,.0f} / {one['cpu']:,.0f} | {1e6 / one['cpu']:.0f} | {two_cells[0]} "
            f"| {floor['wall']:,.0f} / {floor['cpu']:,.0f} | {one['wall'] / floor['wall']:.2f} / "
            f"{one['cpu'] / floor['cpu']:.2f} | {two_cells[1]} |"
        )
    results: dict = {"text": args.text, "load_average_after": load_average(), "batch": batch}

    why_not = embedding_available()
    if args.no_embed or why_not:
        print(f"\nMiniLM embedding baseline: skipped ({'--no-embed' if args.no_embed else why_not})")
    else:
        sample = texts[: args.embed_size]
        embedder = MiniLM()
        with Timer() as t:
            embedder.encoder.encode(sample, batch_size=64, show_progress_bar=False)
        rate = len(sample) / t.seconds
        one = batch[str(args.sizes[0])]["tonecls"]["wall"]
        results["embedding"] = {"statements": len(sample), "per_second": rate, "tonecls_over_embedding": one / rate}
        print(f"\nMiniLM embedding alone: {rate:,.0f} statements/s on {len(sample):,}; tonecls {one / rate:.1f}x that")

    if args.files:
        folder = score_folder(args.model, texts[: args.files])
        results["score_folder"] = folder
        print(
            f"\n`tonecls score` on a folder of {folder['files']:,} .txt files: {folder['seconds']:.1f} s, "
            f"{folder['per_second']:,.0f} files/s, {folder['rows']:,} rows written"
        )

    if not args.no_cold:
        cold = cold_start(args.model, args.runs)
        results["cold_start"] = cold
        print(
            f"\ncold start (median of {args.runs}): `tonecls classify` {cold['tonecls_classify_s']:.2f} s, "
            f"`import sklearn.feature_extraction.text` {cold['import_sklearn_text_s']:.2f} s, "
            f"ratio {cold['ratio']:.2f}"
        )

    if args.train_sizes:
        train = training_times(statements, args.train_sizes)
        results["training_seconds"] = train
        print("\n| training statements | seconds (fit with inner CV for C and thresholds) |\n|---|---|")
        for n, s in train.items():
            print(f"| {int(n):,} | {s:.1f} |")
    name = "speed" if args.text == "corpus" else "speed-seeds"
    print(f"\nwrote {write_results(name, results, args.out_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
