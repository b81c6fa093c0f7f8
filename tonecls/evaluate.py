"""Per-tone precision, recall and F1, and macro-F1 over the four tones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from tonecls.tones import TONES


def tone_metrics(y_true: np.ndarray, y_pred: np.ndarray, tones: Sequence[str] = TONES) -> dict:
    """Metrics per tone and their macro average; F1 is 0 where a tone is never predicted."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    per_tone = {}
    for k, tone in enumerate(tones):
        tp = int(np.sum(y_true[:, k] & y_pred[:, k]))
        fp = int(np.sum(~y_true[:, k] & y_pred[:, k]))
        fn = int(np.sum(y_true[:, k] & ~y_pred[:, k]))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if tp + fn + fp == 0:  # no example and no prediction: nothing to measure, so not averaged in
            precision = recall = f1 = None
        per_tone[tone] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    measured = [m["f1"] for m in per_tone.values() if m["f1"] is not None]
    macro = float(np.mean(measured)) if measured else 0.0
    return {"tones": per_tone, "macro_f1": macro, "macro_over": len(measured), "n": int(len(y_true))}


def mean_metrics(runs: Iterable[dict]) -> dict:
    """Average metrics over repeats, with the spread of macro-F1 and per-tone F1."""
    runs = list(runs)
    tones = list(runs[0]["tones"])
    out = {"tones": {}, "n": runs[0]["n"], "repeats": len(runs)}
    for tone in tones:
        out["tones"][tone] = {
            key: _mean([r["tones"][tone][key] for r in runs]) for key in ("precision", "recall", "f1")
        }
        f1s = [r["tones"][tone]["f1"] for r in runs if r["tones"][tone]["f1"] is not None]
        out["tones"][tone]["f1_sd"] = float(np.std(f1s)) if f1s else None
        out["tones"][tone]["support"] = runs[0]["tones"][tone]["support"]
    macro = [r["macro_f1"] for r in runs]
    out["macro_f1"] = float(np.mean(macro))
    out["macro_f1_sd"] = float(np.std(macro))
    return out


def _mean(values: list) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def best_threshold(y: np.ndarray, probs: np.ndarray) -> float:
    """The threshold with the best F1 on out-of-fold probabilities (middle of a tie)."""
    if y.sum() == 0:
        return 0.5
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    f1s = []
    for th in grid:
        pred = probs >= th
        tp = np.sum(pred & (y == 1))
        denom = pred.sum() + y.sum()
        f1s.append(2 * tp / denom if denom else 0.0)
    f1s = np.array(f1s)
    best = np.flatnonzero(f1s >= f1s.max() - 1e-12)
    return float(grid[best[len(best) // 2]])


def evaluate_statements(model, paths) -> dict:
    """Score labeled files with ``model``: real statements only, beside a majority baseline."""
    from tonecls.card import file_digest
    from tonecls.corpus import label_files, read_statements
    from tonecls.model import label_matrix

    files = label_files(paths)
    statements = read_statements(files)
    real = [s for s in statements if not s.constructed]
    if not real:
        raise_no_real(files)
    y = label_matrix([s.labels for s in real])
    pred = model.predict([s.text for s in real])
    majority = np.broadcast_to(y.mean(axis=0) > 0.5, y.shape)
    trained_on = {f.get("sha256") for f in getattr(model, "card_", {}).get("training_files", [])}
    return {
        "scored": len(real),
        "constructed_skipped": len(statements) - len(real),
        "seen_in_training": any(file_digest(f) in trained_on for f in files),
        "systems": {"tonecls": tone_metrics(y, pred), "majority": tone_metrics(y, majority)},
    }


def raise_no_real(files) -> None:
    from tonecls.errors import InputError

    raise InputError("only constructed statements here; they are never scored", ", ".join(map(str, files)))


def misclassified(model, paths) -> dict:
    """The real statements whose predicted tones differ from their labels, worst first.

    "Worst" is the largest gap, over the four tones, between the label (0 or 1)
    and the model's probability: a confident mistake comes before a near miss.
    Returns ``{"scored": n, "errors": [row, ...]}``; each row has the statement's
    id, where, gold and predicted tones, scores, the worst tone and its gap.
    """
    from tonecls.corpus import label_files, read_statements
    from tonecls.model import label_matrix

    files = label_files(paths)
    real = [s for s in read_statements(files) if not s.constructed]
    if not real:
        raise_no_real(files)
    gold = label_matrix([s.labels for s in real])
    probs = model.predict_proba([s.text for s in real])
    predicted = probs >= model.thresholds_
    errors = []
    for s, g, p, hit in zip(real, gold, probs, predicted, strict=True):
        if np.array_equal(g.astype(bool), hit):
            continue
        gaps = np.abs(g - p)
        worst = int(np.argmax(gaps))
        errors.append(
            {
                "id": s.id,
                "where": s.where,
                "gold": [t for t, y in zip(TONES, g, strict=True) if y],
                "predicted": [t for t, y in zip(TONES, hit, strict=True) if y],
                "scores": {t: round(float(x), 4) for t, x in zip(TONES, p, strict=True)},
                "worst": TONES[worst],
                "gap": round(float(gaps[worst]), 4),
                "text": s.text,
            }
        )
    errors.sort(key=lambda e: (-e["gap"], e["where"]))
    return {"scored": len(real), "errors": errors}
