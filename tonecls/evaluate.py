"""Metrics, all from sklearn.metrics: per-tone precision, recall and F1, macro-F1, best-F1 thresholds,
average precision, and the expected calibration error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_recall_fscore_support

from tonecls.card import file_digest
from tonecls.corpus import label_files, read_statements
from tonecls.errors import InputError
from tonecls.tones import TONES, label_matrix

# Thresholds are chosen on this grid: a cut at 0.01 or 0.99 on a few thousand examples is one statement's luck.
THRESHOLD_RANGE = (0.05, 0.95)
THRESHOLD_STEP = 0.01
ECE_BINS = 10


def tone_metrics(y_true: np.ndarray, y_pred: np.ndarray, tones: Sequence[str] = TONES) -> dict:
    """Metrics per tone and their macro average; F1 is 0 where a tone is never predicted.

    A tone with no example and no prediction has nothing to measure: its metrics are None ("n/a") and it
    is left out of the macro average, which says over how many tones it was taken.
    """
    y_true = np.asarray(y_true, dtype=bool).reshape(-1, len(tones))
    y_pred = np.asarray(y_pred, dtype=bool).reshape(-1, len(tones))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, labels=list(range(len(tones))), zero_division=0.0
    )
    predicted = y_pred.sum(axis=0)
    per_tone = {}
    for k, tone in enumerate(tones):
        if support[k] == 0 and predicted[k] == 0:
            per_tone[tone] = {"precision": None, "recall": None, "f1": None, "support": 0}
        else:
            per_tone[tone] = {
                "precision": float(precision[k]),
                "recall": float(recall[k]),
                "f1": float(f1[k]),
                "support": int(support[k]),
            }
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


def average_precision(y: np.ndarray, scores: np.ndarray) -> float:
    """sklearn's average precision; 0 for a tone without examples (where it is undefined)."""
    y = np.asarray(y)
    if y.sum() == 0:
        return 0.0
    return float(average_precision_score(y, scores))


def best_threshold(y: np.ndarray, probs: np.ndarray) -> float:
    """The threshold with the best F1 on out-of-fold probabilities, read off sklearn's precision-recall curve.

    Candidates are a grid from 0.05 to 0.95 in steps of 0.01, not every cut point of the curve: the exact
    best cut among a few thousand out-of-fold scores fits their noise (on the seed cross-validation it
    cost 0.03 macro-F1 against the grid: 0.641 against 0.670). Among grid points tied at the best F1 (the
    same statements above them) the middle one is taken, so the threshold sits in the middle of the gap
    rather than against one statement's score. 0.5 for a tone without examples.

    TunedThresholdClassifierCV was not used: it runs a cross-validation of its own and refits the model,
    and is binary only, while the thresholds here come from the out-of-fold probabilities that training has
    already made (the same ones the calibration was fitted on).
    """
    y = np.asarray(y)
    probs = np.asarray(probs, dtype=np.float64)
    if y.sum() == 0:
        return 0.5
    precision, recall, cuts = precision_recall_curve(y, probs)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1_at_cut = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    grid = np.round(np.arange(THRESHOLD_RANGE[0], THRESHOLD_RANGE[1] + 1e-9, THRESHOLD_STEP), 2)
    # predicting probs >= t is the curve's point at the lowest cut at or above t; past the last cut, nothing
    # is predicted (the curve's final point: recall 0, F1 0)
    f1 = f1_at_cut[np.minimum(np.searchsorted(cuts, grid, side="left"), len(cuts))]
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(grid[best[len(best) // 2]])


def expected_calibration_error(y: np.ndarray, probs: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE with equal-width bins: sum over bins of (share of statements) x |observed rate - mean probability|.

    Bin b holds probabilities in [b/bins, (b+1)/bins), the last bin also 1.0. Empty bins add nothing.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    probs = np.asarray(probs, dtype=np.float64).ravel()
    if len(y) == 0:
        return 0.0
    which = np.minimum((probs * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in np.unique(which):
        members = which == b
        total += members.mean() * abs(y[members].mean() - probs[members].mean())
    return float(total)


def reliability(y: np.ndarray, probs: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width bin: its range, the number of statements, their mean probability and observed rate."""
    y = np.asarray(y, dtype=np.float64).ravel()
    probs = np.asarray(probs, dtype=np.float64).ravel()
    which = np.minimum((probs * bins).astype(np.int64), bins - 1)
    out = []
    for b in range(bins):
        members = which == b
        n = int(members.sum())
        out.append(
            {
                "low": b / bins,
                "high": (b + 1) / bins,
                "n": n,
                "mean_probability": float(probs[members].mean()) if n else None,
                "observed": float(y[members].mean()) if n else None,
            }
        )
    return out


def evaluate_statements(model, paths) -> dict:
    """Score labeled files with ``model``: real statements only, beside a majority baseline."""
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
    raise InputError("only constructed statements here; they are never scored", ", ".join(map(str, files)))


def misclassified(model, paths) -> dict:
    """The real statements whose predicted tones differ from their labels, worst first.

    "Worst" is the largest gap, over the four tones, between the label (0 or 1)
    and the model's probability: a confident mistake comes before a near miss.
    Returns ``{"scored": n, "errors": [row, ...]}``; each row has the statement's
    id, where, gold and predicted tones, scores, the worst tone and its gap.
    """
    from tonecls.corpus import label_files, read_statements
    from tonecls.tones import label_matrix

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
