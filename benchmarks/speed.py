"""Speed of tonecls: batch throughput against a scikit-learn floor, end-to-end scoring, cold start, training.

All timings come from one run on one machine, so compare the ratios, not the
absolute numbers with another machine's.

Usage: python benchmarks/speed.py [--sizes 1000 10000 100000] [--files 10000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, Timer, generated_statements, labels_of, load_corpus, machine, write_results  # noqa: E402
from systems import MiniLM, embedding_available  # noqa: E402

from tonecls.model import Settings, ToneModel  # noqa: E402
from tonecls.model_file import default_model_path, load_model  # noqa: E402
from tonecls.score import Item, Summary, score_items  # noqa: E402

EXAMPLE = "This violation of our sovereignty is completely unacceptable and can have serious consequences."


def scorer_rate(model, texts: list[str], jobs: int = 1) -> float:
    items = (Item(str(i), t) for i, t in enumerate(texts))
    with Timer() as t:
        for _ in score_items(model, items, Summary(), jobs=jobs):
            pass
    return len(texts) / t.seconds


def floor_rate(train_texts, y, texts) -> float:
    """scikit-learn's own TfidfVectorizer(1, 2) transform and a logistic regression per tone."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2)).fit(train_texts)
    x = vectorizer.transform(train_texts)
    models = [LogisticRegression(max_iter=1000).fit(x, y[:, k]) for k in range(y.shape[1])]
    with Timer() as t:
        xt = vectorizer.transform(texts)
        for m in models:
            m.predict_proba(xt)
    return len(texts) / t.seconds


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
    parser.add_argument("--train-sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5, help="repeats of each cold-start timing")
    parser.add_argument("--embed-size", type=int, default=1000)
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    statements = load_corpus()
    model = load_model(args.model)
    train_texts, y = [s.text for s in statements], labels_of(statements)
    texts = generated_statements(statements, max(args.sizes), seed=0)
    info = machine()
    print(f"# Speed ({info['date']}, {info['cores']} cores, {info['cpu']})\n")
    print(f"statements of about 45 words resampled from the corpus's sentences; model {args.model}\n")

    print(
        "| statements | tonecls, 1 process (stmt/s) | tonecls, 2 processes | sklearn floor (stmt/s) "
        "| ratio 1 proc | ratio 2 proc |"
    )
    print("|---|---|---|---|---|---|")
    batch = {}
    for n in args.sizes:
        chunk = texts[:n]
        one = scorer_rate(model, chunk)
        two = scorer_rate(model, chunk, jobs=2)
        floor = floor_rate(train_texts, y, chunk)
        batch[str(n)] = {
            "tonecls": one,
            "tonecls_2_jobs": two,
            "floor": floor,
            "ratio": one / floor,
            "ratio_2_jobs": two / floor,
        }
        print(f"| {n:,} | {one:,.0f} | {two:,.0f} | {floor:,.0f} | {one / floor:.2f} | {two / floor:.2f} |")
    results: dict = {"batch": batch}

    why_not = embedding_available()
    if args.no_embed or why_not:
        print(f"\nMiniLM embedding baseline: skipped ({'--no-embed' if args.no_embed else why_not})")
    else:
        sample = texts[: args.embed_size]
        embedder = MiniLM()
        with Timer() as t:
            embedder.encoder.encode(sample, batch_size=64, show_progress_bar=False)
        rate = len(sample) / t.seconds
        one = batch[str(args.sizes[0])]["tonecls"]
        results["embedding"] = {"statements": len(sample), "per_second": rate, "tonecls_over_embedding": one / rate}
        print(f"\nMiniLM embedding alone: {rate:,.0f} statements/s on {len(sample):,}; tonecls {one / rate:.1f}x that")

    folder = score_folder(args.model, texts[: args.files])
    results["score_folder"] = folder
    print(
        f"\n`tonecls score` on a folder of {folder['files']:,} .txt files: {folder['seconds']:.1f} s, "
        f"{folder['per_second']:,.0f} files/s, {folder['rows']:,} rows written"
    )

    cold = cold_start(args.model, args.runs)
    results["cold_start"] = cold
    print(
        f"\ncold start (median of {args.runs}): `tonecls classify` {cold['tonecls_classify_s']:.2f} s, "
        f"`import sklearn.feature_extraction.text` {cold['import_sklearn_text_s']:.2f} s, ratio {cold['ratio']:.2f}"
    )

    train = training_times(statements, args.train_sizes)
    results["training_seconds"] = train
    print("\n| training statements | seconds (fit with inner CV for C and thresholds) |\n|---|---|")
    for n, s in train.items():
        print(f"| {int(n):,} | {s:.1f} |")
    print(f"\nwrote {write_results('speed', results, args.out_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
