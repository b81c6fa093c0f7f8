"""In-crisis learning curve: how macro-F1 on a crisis grows when k of its statements are labeled and added.

An analyst following a new crisis labels a handful of its statements and retrains. This measures what
that buys, on crises the shipped model never saw:

1. the seed crisis: train on the constructed statements plus k of the 59 real seed statements (whole
   near-duplicate groups, chosen at random), score the seed statements left out; k = 0, 5, 10, 20, 40;
2. the dev set's crises (../shared/other-crises/dev.jsonl, measurement only, never shipped): train on
   all of statements/ plus k statements of one crisis, score the rest of that crisis; the dev crises
   hold 2 to 8 statements each, so k runs 0 to 5 and predictions are pooled over crises before
   macro-F1 is computed (a crisis of three statements has no F1 of its own).

Each point is averaged over repeats (different statements drawn). The k added statements weigh
``--weights`` times a constructed statement in the loss (1 = as the shipped settings; a larger weight is
what an analyst would use so that a few new labels are not drowned by thousands of constructed ones).
To keep hundreds of fits affordable, each fit uses the shipped settings with C fixed per tone to the
shipped model's choice and thresholds at the shipped model's values (no inner cross-validation); k = 0 is
the same protocol with nothing added.

Usage: python benchmarks/learning_curve.py [--repeats 3] [--seed-ks 0,5,10,20,40] [--dev-ks 0,1,2,3,5]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import labels_of, load_corpus, read_jsonl, shared_file, write_results  # noqa: E402

from tonecls.evaluate import tone_metrics  # noqa: E402
from tonecls.grouping import group_ids  # noqa: E402
from tonecls.model import Settings, ToneModel  # noqa: E402
from tonecls.model_file import load_model  # noqa: E402
from tonecls.resources import shipped_model_path  # noqa: E402
from tonecls.tones import TONES  # noqa: E402


def fitted(
    texts: list[str], y: np.ndarray, weights: np.ndarray, C: np.ndarray, thresholds: np.ndarray, settings: Settings
) -> ToneModel:
    """One model per tone's C (the shipped choice), thresholds as shipped: no inner CV, so fits are cheap."""
    models = {}
    for c in np.unique(C):
        fixed = replace(settings, C=float(c), tune_thresholds=False)
        models[float(c)] = ToneModel(fixed).fit(texts, y, sample_weight=weights)
    base = models[float(C[0])]
    for k, c in enumerate(C):
        base.coef_[k] = models[float(c)].coef_[k]
        base.intercept_[k] = models[float(c)].intercept_[k]
    base.thresholds_ = thresholds.copy()
    return base


def draw_groups(groups: np.ndarray, k: int, rng: np.random.RandomState) -> np.ndarray:
    """Indices of about k statements, whole near-duplicate groups at a time (never split a quote)."""
    chosen: list[int] = []
    for g in rng.permutation(np.unique(groups)):
        if len(chosen) >= k:
            break
        chosen.extend(np.flatnonzero(groups == g).tolist())
    return np.array(sorted(chosen), dtype=np.int64)


def macro(y: np.ndarray, pred: np.ndarray) -> dict:
    m = tone_metrics(y, pred)
    return {"macro_f1": m["macro_f1"], "f1": {t: m["tones"][t]["f1"] for t in TONES}, "n": int(len(y))}


def seed_curve(statements, ks, repeats, weight, C, thresholds, settings) -> dict:
    constructed = [s for s in statements if s.constructed]
    seed = [s for s in statements if not s.constructed]
    base_texts, base_y = [s.text for s in constructed], labels_of(constructed)
    seed_texts, seed_y = [s.text for s in seed], labels_of(seed)
    groups = group_ids(seed_texts)
    base = fitted(base_texts, base_y, np.ones(len(base_texts)), C, thresholds, settings).predict(seed_texts)
    out = {}
    for k in ks:
        runs = []
        for r in range(repeats if k else 1):
            added = draw_groups(groups, k, np.random.RandomState(r)) if k else np.array([], dtype=np.int64)
            rest = np.setdiff1d(np.arange(len(seed)), added)
            weights = np.r_[np.ones(len(base_texts)), np.full(len(added), weight)]
            texts = base_texts + [seed_texts[i] for i in added]
            model = fitted(texts, np.vstack([base_y, seed_y[added]]), weights, C, thresholds, settings)
            runs.append(paired(seed_y[rest], model.predict([seed_texts[i] for i in rest]), base[rest]))
            print(f"  seed crisis k={k} repeat {r + 1}: macro-F1 {runs[-1]['macro_f1']:.3f}", file=sys.stderr)
        out[k] = summarise(runs)
    return out


def dev_curve(statements, dev, ks, repeats, weight, C, thresholds, settings) -> dict:
    base_texts, base_y = [s.text for s in statements], labels_of(statements)
    crises = defaultdict(list)
    for i, row in enumerate(dev):
        crises[row["event"]].append(i)
    dev_texts, dev_y = [r["text"] for r in dev], labels_of(dev)
    base = fitted(base_texts, base_y, np.ones(len(base_texts)), C, thresholds, settings).predict(dev_texts)
    out = {}
    for k in ks:
        runs = []
        for r in range(repeats if k else 1):
            rng = np.random.RandomState(r)
            rests, preds = [], []
            for members in crises.values() if k else [range(len(dev))]:
                if len(members) <= k:  # nothing left to score in this crisis
                    continue
                members = np.array(members)
                added = members[rng.permutation(len(members))[:k]]
                rest = np.setdiff1d(members, added)
                if k:
                    weights = np.r_[np.ones(len(base_texts)), np.full(len(added), weight)]
                    texts = base_texts + [dev_texts[i] for i in added]
                    model = fitted(texts, np.vstack([base_y, dev_y[added]]), weights, C, thresholds, settings)
                    preds.append(model.predict([dev_texts[i] for i in rest]))
                else:
                    preds.append(base[rest])
                rests.append(rest)
            rest = np.concatenate(rests)
            runs.append(paired(dev_y[rest], np.vstack(preds), base[rest]))
            print(f"  dev crises k={k} repeat {r + 1}: macro-F1 {runs[-1]['macro_f1']:.3f}", file=sys.stderr)
        out[k] = summarise(runs)
    return out


def paired(y: np.ndarray, pred: np.ndarray, before: np.ndarray) -> dict:
    """Macro-F1 with the k statements added, and of the model without them on the same statements."""
    return {**macro(y, pred), "without": tone_metrics(y, before)["macro_f1"]}


def summarise(runs: list[dict]) -> dict:
    scores = [r["macro_f1"] for r in runs]
    return {
        "macro_f1": float(np.mean(scores)),
        "sd": float(np.std(scores)),
        "repeats": len(runs),
        "without": float(np.mean([r["without"] for r in runs])),
        "scored": runs[0]["n"],
        "f1": {t: float(np.mean([r["f1"][t] for r in runs if r["f1"][t] is not None] or [np.nan])) for t in TONES},
    }


def table(title: str, curve: dict) -> str:
    lines = [
        title,
        "",
        "| k labeled | scored | macro-F1 | sd | same statements, k = 0 | " + " | ".join(TONES) + " |",
        "|---|---|---|---|---|" + "---|" * len(TONES),
    ]
    for k, p in curve.items():
        cells = " | ".join(f"{p['f1'][t]:.2f}" for t in TONES)
        row = f"| {k} | {p['scored']} | {p['macro_f1']:.3f} | {p['sd']:.3f} | {p['without']:.3f} | {cells} |"
        lines.append(row)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed-ks", default="0,5,10,20,40")
    parser.add_argument("--dev-ks", default="0,1,2,3,5")
    parser.add_argument("--weights", default="1,20", help="weights of the added statements, one curve each")
    args = parser.parse_args()
    shipped = load_model(shipped_model_path())
    settings, C, thresholds = shipped.settings, shipped.C_, shipped.thresholds_
    statements = load_corpus()
    seed_ks = [int(k) for k in args.seed_ks.split(",")]
    dev_ks = [int(k) for k in args.dev_ks.split(",")]
    dev_path = shared_file("other-crises/dev.jsonl")
    dev = read_jsonl(dev_path) if dev_path is not None else None
    results: dict = {"protocol": __doc__.split("\n\n")[1], "repeats": args.repeats, "curves": {}}
    for weight in [float(w) for w in args.weights.split(",")]:
        curves = results["curves"][f"weight {weight:g}"] = {}
        curves["seed_crisis"] = seed_curve(statements, seed_ks, args.repeats, weight, C, thresholds, settings)
        print(
            table(
                f"Seed crisis, added statements weigh {weight:g}: constructed + k seed statements",
                curves["seed_crisis"],
            )
        )
        if dev is None:
            print("\nskipped the dev crises: ../shared/other-crises/dev.jsonl is absent on this machine")
        else:
            curves["dev_crises"] = dev_curve(statements, dev, dev_ks, args.repeats, weight, C, thresholds, settings)
            print()
            print(
                table(
                    f"Dev crises, added statements weigh {weight:g}: statements/ + k of the crisis",
                    curves["dev_crises"],
                )
            )
        print()
    print(f"wrote {write_results('learning_curve', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
