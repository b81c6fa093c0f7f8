"""Fit a ToneModel: out-of-fold scores by inner grouped cross-validation choose each tone's C, calibrate its
probabilities and set its threshold; then the pipeline is fitted on everything.

Kept apart from model.py so that loading and predicting never imports scikit-learn's estimators. It
takes the pipeline to fit as an argument, so it does not import model.py (no import cycle).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from tonecls.crossval import GroupedToneSplit, out_of_fold
from tonecls.evaluate import average_precision, best_threshold
from tonecls.grouping import group_ids
from tonecls.predictor import calibrate, sigmoid

IDENTITY = (1.0, 0.0)  # calibration (slope, intercept) that leaves the classifier's log-odds as they are


@dataclass
class Fitted:
    pipeline: object
    C: np.ndarray
    calibration: np.ndarray  # (tones, 2): slope and intercept on the log-odds
    thresholds: np.ndarray
    oof_probs: np.ndarray | None  # calibrated inner out-of-fold probabilities the thresholds were chosen on


def inner_groups(texts: Sequence[str], groups: Sequence[object] | None, folds: int) -> np.ndarray:
    """The given groups as numbers; near-duplicate groups when none are given or too few to hold one out."""
    if groups is not None:
        numbered = np.unique(np.asarray(groups, dtype=str), return_inverse=True)[1]
        if len(np.unique(numbered)) >= folds:
            return numbered
    return group_ids(texts)


def fit_model(
    pipeline,
    texts: list[str],
    Y: np.ndarray,
    groups: Sequence[object] | None,
    weight: np.ndarray | None,
    settings,
) -> Fitted:
    """Tune, calibrate and fit ``pipeline`` (ToneFeatures then ToneClassifier) on texts and a tone matrix."""
    docs = pipeline.named_steps["features"].analyse(texts)  # each text analysed once for every fold
    n_tones = Y.shape[1]
    Cs = [settings.C] if settings.C is not None else list(settings.C_grid)
    fit_params = {"classifier__sample_weight": weight}
    groups = inner_groups(texts, groups, settings.inner_folds)
    folds = min(settings.inner_folds, len(np.unique(groups)))  # as many folds as groups, on tiny data
    if folds < 2 or (len(Cs) == 1 and not settings.tune_thresholds and not settings.calibrate):
        C = np.full(n_tones, Cs[0], dtype=np.float64)
        calibration = np.tile(IDENTITY, (n_tones, 1))
        thresholds, oof_probs = np.full(n_tones, 0.5), None
    else:
        splits = list(GroupedToneSplit(folds, settings.random_state).split(docs, Y, groups))
        scores = np.stack(
            [
                out_of_fold(
                    clone(pipeline).set_params(classifier__C=c),
                    docs,
                    Y,
                    splits,
                    methods=("decision_function",),
                    fit_params=fit_params,
                )["decision_function"]
                for c in Cs
            ]
        )
        best = [_best_C(Y[:, k], scores[:, :, k]) for k in range(n_tones)]
        C = np.array([Cs[c] for c in best], dtype=np.float64)
        oof = np.stack([scores[c, :, k] for k, c in enumerate(best)], axis=1)
        calibration = np.array(
            [platt(oof[:, k], Y[:, k], weight) if settings.calibrate else IDENTITY for k in range(n_tones)],
            dtype=np.float64,
        )
        oof_probs = calibrated(oof, calibration)
        if settings.tune_thresholds:
            thresholds = np.array([best_threshold(Y[:, k], oof_probs[:, k]) for k in range(n_tones)])
        else:
            thresholds = np.full(n_tones, 0.5)
    final = clone(pipeline).set_params(classifier__C=tuple(float(c) for c in C))
    final.fit(docs, Y, **fit_params)
    return Fitted(final, C, calibration, thresholds, oof_probs)


def _best_C(y: np.ndarray, scores: np.ndarray) -> int:
    """The index of the C whose out-of-fold scores rank the tone best (average precision; ties: smaller C)."""
    return max(range(len(scores)), key=lambda c: (average_precision(y, scores[c]), -c))


def calibrated(scores: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Probabilities from log-odds ``scores`` (n, tones) and a (tones, 2) calibration."""
    return sigmoid(calibrate(scores, calibration))


def platt(scores: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> tuple[float, float]:
    """Slope and intercept of a sigmoid (Platt) calibration fitted to out-of-fold log-odds.

    Why sigmoid and not isotonic: the scores come from a few thousand statements and a few hundred
    positives per tone; a two-parameter sigmoid cannot overfit them, while isotonic regression fits a
    step function to the noise of small bins (and ties many statements to the same probability). The
    model's problem is also one a sigmoid fixes: class_weight="balanced" shifts and stretches the
    log-odds, which a slope and an intercept undo.

    Platt's targets are smoothed ((N+ + 1) / (N+ + 2) for a positive, 1 / (N- + 2) for a negative) so that
    separable scores do not push the slope to infinity; the soft targets are fitted as each statement
    counted once as positive and once as negative, weighted by its target. A tone that never varies, or
    whose scores do not rank it at all (slope not above 0), keeps its uncalibrated scores.
    """
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y).astype(bool)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
    if y.all() or not y.any():
        return IDENTITY
    n_pos, n_neg = w[y].sum(), w[~y].sum()
    target = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    x = np.concatenate([scores, scores]).reshape(-1, 1)
    labels = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    weights = np.concatenate([w * target, w * (1 - target)])
    fit = LogisticRegression(C=1e10, max_iter=1000).fit(x, labels, sample_weight=weights)
    slope, intercept = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    if not slope > 0 or not np.isfinite(intercept):
        return IDENTITY
    return slope, intercept
