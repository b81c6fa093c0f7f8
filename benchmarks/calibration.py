"""Calibration of tonecls's probabilities: before (uncalibrated, thresholds on raw scores) and after (a
sigmoid per tone fitted on grouped out-of-fold scores during training).

Two sets:
(a) other crises: train on statements/, score ../shared/other-crises/dev.jsonl (read from there, never
    copied or trained on; skipped with one line where absent);
(b) the seed crisis: grouped out-of-fold predictions over the real statements (statements/seed.jsonl),
    constructed statements always in training, as `tonecls train` cross-validates.

Per tone: expected calibration error (10 equal-width bins), mean probability against the share of
statements that have the tone, and F1 at the model's thresholds; a reliability diagram per set as PNG.

Usage: python benchmarks/calibration.py [--data statements/] [--folds 5] [--repeats 1]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, labels_of, load_corpus, machine, read_jsonl, shared_file, write_results  # noqa: E402

from tonecls.atomic import atomic_write  # noqa: E402
from tonecls.crossval import out_of_fold  # noqa: E402
from tonecls.evaluate import ECE_BINS, expected_calibration_error, reliability, tone_metrics  # noqa: E402
from tonecls.model import Settings, ToneModel  # noqa: E402
from tonecls.tones import COLOURS, TONES  # noqa: E402
from tonecls.training import real_statement_splits, sample_weights, statement_arrays  # noqa: E402

MODELS = {"before": replace(Settings(), calibrate=False), "after": Settings()}
NOISE_DRAWS = 1000


def ece_noise_floor(probs: np.ndarray, seed: int = 0) -> float:
    """The ECE a perfectly calibrated model would still show on this many statements: the median ECE when
    each statement's tone is drawn with exactly its predicted probability (bins of a few statements are
    noisy, so a small set cannot show an ECE near 0 even for honest probabilities)."""
    rng = np.random.RandomState(seed)
    draws = rng.random_sample((NOISE_DRAWS, len(probs))) < probs
    return float(np.median([expected_calibration_error(d, probs) for d in draws]))


def summary(y: np.ndarray, probs: np.ndarray, pred: np.ndarray) -> dict:
    """Per tone: ECE, mean probability, prevalence, F1, reliability bins; and macro-F1."""
    metrics = tone_metrics(y, pred)
    tones = {}
    for k, tone in enumerate(TONES):
        tones[tone] = {
            "ece": expected_calibration_error(y[:, k], probs[:, k]),
            "ece_if_calibrated": ece_noise_floor(probs[:, k]),
            "mean_probability": float(probs[:, k].mean()),
            "prevalence": float(y[:, k].mean()),
            "f1": metrics["tones"][tone]["f1"],
            "bins": reliability(y[:, k], probs[:, k]),
        }
    return {"n": int(len(y)), "macro_f1": metrics["macro_f1"], "tones": tones}


def other_crises(statements, rows) -> dict:
    """(a) Train each model on every statement, score the other crises at the model's thresholds."""
    texts, y, _, tuning = statement_arrays(statements)
    y_dev = labels_of(rows)
    dev_texts = [r["text"] for r in rows]
    out = {}
    for name, settings in MODELS.items():
        model = ToneModel(settings).fit(texts, y, tuning, sample_weights(statements, settings))
        out[name] = summary(y_dev, model.predict_proba(dev_texts), model.predict(dev_texts))
        out[name]["thresholds"] = dict(zip(TONES, map(float, model.thresholds_), strict=True))
    return out


def seed_crisis(statements, folds: int, repeats: int) -> dict:
    """(b) Grouped out-of-fold predictions over the real statements, constructed ones always training."""
    texts, y, groups, tuning = statement_arrays(statements)
    real = np.flatnonzero([not s.constructed for s in statements])
    out = {}
    for name, settings in MODELS.items():
        probs, preds = [], []
        for r in range(repeats):
            splits = real_statement_splits(statements, groups, y, folds, r)
            fit_params = {"groups": tuning, "sample_weight": sample_weights(statements, settings)}
            got = out_of_fold(
                ToneModel(settings), texts, y, splits, methods=("predict_proba", "predict"), fit_params=fit_params
            )
            probs.append(got["predict_proba"][real])
            preds.append(got["predict"][real] > 0.5)
            print(f"  seed crisis, {name}: repeat {r + 1}/{repeats} done", file=sys.stderr)
        # every repeat's predictions pooled: each real statement counted once per repeat
        out[name] = summary(np.tile(y[real], (repeats, 1)), np.vstack(probs), np.vstack(preds))
    return out


def table(result: dict) -> str:
    lines = [
        "| tone | ECE before | ECE after | ECE of perfect calibration | mean p before | mean p after "
        "| share with tone | F1 before | F1 after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    before, after = result["before"]["tones"], result["after"]["tones"]
    for tone in TONES:
        b, a = before[tone], after[tone]
        lines.append(
            f"| {tone} | {b['ece']:.3f} | {a['ece']:.3f} | {a['ece_if_calibrated']:.3f} "
            f"| {b['mean_probability']:.3f} | {a['mean_probability']:.3f} "
            f"| {a['prevalence']:.3f} | {_f1(b['f1'])} | {_f1(a['f1'])} |"
        )
    lines.append(f"| macro-F1 | | | | | | {result['before']['macro_f1']:.3f} | {result['after']['macro_f1']:.3f} |")
    return "\n".join(lines)


def _f1(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def reliability_png(result: dict, title: str, path: Path) -> Path:
    """Four panels (one per tone): observed share against mean probability per bin, before and after."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2).ravel()
    for ax, tone in zip(axes, TONES, strict=True):
        ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, linestyle=":")
        for name, style in (("before", dict(color="#888888", linestyle="--", marker="s")), ("after", {})):
            bins = [b for b in result[name]["tones"][tone]["bins"] if b["n"]]
            xs = [b["mean_probability"] for b in bins]
            ys = [b["observed"] for b in bins]
            ece = result[name]["tones"][tone]["ece"]
            kwargs = style or dict(color=COLOURS[tone], marker="o")
            ax.plot(xs, ys, linewidth=1.6, markersize=4, label=f"{name} (ECE {ece:.3f})", **kwargs)
            if name == "after":
                for b in bins:
                    ax.annotate(
                        str(b["n"]),
                        (b["mean_probability"], b["observed"]),
                        fontsize=7,
                        textcoords="offset points",
                        xytext=(3, -9),
                    )
        ax.set_title(tone, loc="left", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(
            f"mean probability in the bin ({ECE_BINS} equal-width bins; numbers: statements, after)", fontsize=8
        )
        ax.set_ylabel("share of statements with the tone", fontsize=8)
        ax.grid(True, color="#e3e6ea", linewidth=0.7)
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    fig.suptitle(title, fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "wb", overwrite=True) as fh:
        fig.savefig(fh, format="png", dpi=100, metadata={"Software": None})
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", help="label files or folders (default: statements/)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=1, help="repeats of the seed-crisis cross-validation")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    statements = load_corpus(args.data)
    info = machine()
    print(f"# Calibration ({info['date']}, {info['cores']} cores, {info['cpu']})\n")
    results: dict = {"bins": ECE_BINS, "sets": {}, "pngs": []}

    dev = shared_file("other-crises/dev.jsonl")
    if dev is None:
        print("(a) other crises: skipped, ../shared/other-crises/dev.jsonl is not there\n")
    else:
        rows = read_jsonl(dev)
        result = other_crises(statements, rows)
        results["sets"]["other_crises"] = result
        print(f"## (a) Other crises: trained on statements/, scored on {len(rows)} statements of dev.jsonl\n")
        print(table(result) + "\n")
        png = reliability_png(
            result, "Other crises (dev.jsonl): reliability", args.out_dir / "calibration-other-crises.png"
        )
        results["pngs"].append(png.name)

    result = seed_crisis(statements, args.folds, args.repeats)
    results["sets"]["seed_crisis"] = result
    n_real = result["after"]["n"] // args.repeats
    print(
        f"## (b) Seed crisis: grouped out-of-fold predictions on {n_real} real statements "
        f"({args.folds} folds x {args.repeats} repeat{'s' if args.repeats != 1 else ''}; constructed always train)\n"
    )
    print(table(result) + "\n")
    png = reliability_png(
        result, "Seed crisis (grouped out-of-fold): reliability", args.out_dir / "calibration-seed.png"
    )
    results["pngs"].append(png.name)
    path = write_results("calibration", results, args.out_dir)
    print(f"wrote {path} and {', '.join(results['pngs'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
