"""Fit a ToneModel: regularisation and thresholds from inner grouped CV, then a final fit.

Kept apart from model.py so that loading and predicting never imports
scikit-learn's estimators.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from tonecls.evaluate import best_threshold
from tonecls.grouping import group_ids, grouped_folds
from tonecls.model import Counts, Features, ToneModel


def _fit_tone(x, y: np.ndarray, C: float, settings, weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Coefficients and intercept for one tone; a constant model if one class is absent."""
    if y.min() == y.max():
        prior = 0.999 if y[0] else 0.001
        return np.zeros(x.shape[1]), float(np.log(prior / (1 - prior)))
    clf = LogisticRegression(
        C=C, class_weight=settings.class_weight, solver="liblinear", random_state=settings.random_state, max_iter=1000
    )
    clf.fit(x, y, sample_weight=weight)
    return clf.coef_.ravel().copy(), float(clf.intercept_[0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _ap(y: np.ndarray, p: np.ndarray) -> float:
    if y.sum() == 0:
        return 0.0
    order = np.argsort(-p, kind="stable")
    hits = y[order]
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision_at * hits).sum() / hits.sum())


def inner_oof(
    features: Features,
    counted: Counts,
    y: np.ndarray,
    groups: np.ndarray,
    Cs: Sequence[float],
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Out-of-fold probabilities, shape (len(Cs), n, tones), from grouped folds."""
    settings = features.settings
    n = y.shape[0]
    out = np.zeros((len(Cs), n, y.shape[1]))
    folds = grouped_folds(groups, y, settings.inner_folds, settings.random_state)
    for test in folds:
        train = np.setdiff1d(np.arange(n), test)
        fold = copy.copy(features).fit(counted, train)
        x_train, x_test = fold.matrix(counted, train), fold.matrix(counted, test)
        for c, C in enumerate(Cs):
            for k in range(y.shape[1]):
                w = None if weight is None else weight[train]
                coef, intercept = _fit_tone(x_train, y[train, k], C, settings, w)
                out[c, test, k] = _sigmoid(x_test @ coef + intercept)
    return out


def fit_tone_model(
    model: ToneModel,
    texts: list[str],
    y: np.ndarray,
    groups: Sequence[object] | None,
    sample_weight: Sequence[float] | None = None,
) -> None:
    """Fill the fitted attributes of ``model``: features_, coef_, intercept_, C_, thresholds_."""
    settings = model.settings
    features = Features(settings)
    surfaces: dict = {}
    counted = features.count(texts, surfaces)
    groups = group_ids(texts) if groups is None else np.unique(np.asarray(groups, dtype=str), return_inverse=True)[1]
    if len(np.unique(groups)) < settings.inner_folds:  # too few situations to hold one out: near-duplicates
        groups = group_ids(texts)
    Cs = [settings.C] if settings.C is not None else list(settings.C_grid)
    if len(Cs) == 1 and not settings.tune_thresholds:
        model.C_ = np.full(y.shape[1], Cs[0], dtype=np.float64)
        model.oof_probs_ = None
        model.thresholds_ = np.full(y.shape[1], 0.5)
    else:
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        oof = inner_oof(features, counted, y, groups, Cs, weight)
        best = [max(range(len(Cs)), key=lambda c: (_ap(y[:, k], oof[c, :, k]), -c)) for k in range(y.shape[1])]
        model.C_ = np.array([Cs[c] for c in best], dtype=np.float64)
        model.oof_probs_ = np.stack([oof[c, :, k] for k, c in enumerate(best)], axis=1)
        if settings.tune_thresholds:
            model.thresholds_ = np.array([best_threshold(y[:, k], model.oof_probs_[:, k]) for k in range(y.shape[1])])
        else:
            model.thresholds_ = np.full(y.shape[1], 0.5)
    features.fit(counted, surfaces=surfaces)
    x = features.matrix(counted)
    weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    fits = [_fit_tone(x, y[:, k], model.C_[k], settings, weight) for k in range(y.shape[1])]
    model.features_ = features
    model.coef_ = np.stack([f[0] for f in fits])
    model.intercept_ = np.array([f[1] for f in fits])
