"""Grouped cross-validation for tonecls: the splitter scikit-learn's tools take, and the one loop that
makes out-of-fold predictions for training (outer CV), fitting (inner CV) and the label audit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import BaseCrossValidator

from tonecls.grouping import group_ids, grouped_folds

Split = tuple[np.ndarray, np.ndarray]


class GroupedToneSplit(BaseCrossValidator):
    """K folds of whole groups, with each tone's statements spread over the folds (``grouping.grouped_folds``).

    A scikit-learn splitter: ``split(X, y, groups)`` yields (train, test) indices, so GridSearchCV,
    cross_val_predict and CalibratedClassifierCV can use the project's folds. ``y`` is a 0/1 tone matrix or
    a binary vector (used to spread rare tones). Without ``groups`` (CalibratedClassifierCV passes none),
    texts that are near-duplicates of each other form the groups, so no copy lands on both sides.
    """

    def __init__(self, n_splits: int = 5, random_state: int = 0):
        self.n_splits = n_splits
        self.random_state = random_state

    def get_n_splits(self, X: object = None, y: object = None, groups: object = None) -> int:
        return self.n_splits

    def split(self, X: Sequence, y: object = None, groups: Sequence | None = None) -> Iterable[Split]:
        n = len(X)
        if groups is None:
            groups = _near_duplicate_groups(X)
        groups = np.unique(np.asarray(groups), return_inverse=True)[1]  # numbers keep their order, so folds do
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries for {n} samples")
        n_groups = len(np.unique(groups))
        if self.n_splits < 2 or self.n_splits > n_groups:
            raise ValueError(f"Cannot split {n_groups} groups into n_splits={self.n_splits} folds (2 to {n_groups})")
        Y = np.zeros((n, 0)) if y is None else np.asarray(y).reshape(n, -1)
        everything = np.arange(n)
        for test in grouped_folds(groups, Y, self.n_splits, self.random_state):
            yield np.setdiff1d(everything, test), test

    def _iter_test_indices(self, X=None, y=None, groups=None):  # BaseCrossValidator's abstract hook
        for _, test in self.split(X, y, groups):
            yield test


def _near_duplicate_groups(X: Sequence) -> np.ndarray:
    """Near-duplicate groups of texts; other inputs (numbers) have one group per row."""
    texts = [getattr(x, "text", x) for x in X]
    if all(isinstance(t, str) for t in texts):
        return group_ids(texts)
    return np.arange(len(texts))


def out_of_fold(
    estimator,
    X: Sequence,
    y: np.ndarray,
    splits: Iterable[Split],
    *,
    methods: Sequence[str] = ("predict_proba",),
    fit_params: dict[str, object] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Each method's predictions for every row from a clone of ``estimator`` fitted without that row's fold.

    ``splits`` are (train, test) index pairs whose test sets do not overlap; they need not cover every row
    (training always trains on constructed statements, never tests them): rows never tested stay NaN.
    ``fit_params`` (sample weights, groups for an inner CV) are cut to each training fold.
    The one out-of-fold loop of tonecls, unlike cross_val_predict it allows rows that only train.
    """
    splits = list(splits)
    y = np.asarray(y)
    n = len(X)
    out: dict[str, np.ndarray] = {}
    for done, (train, test) in enumerate(splits, start=1):
        model = clone(estimator)
        params = {k: _take(v, train) for k, v in (fit_params or {}).items() if v is not None}
        model.fit(_take(X, train), y[train], **params)
        held_out = _take(X, test)
        for method in methods:
            pred = np.asarray(getattr(model, method)(held_out), dtype=np.float64)
            if method not in out:
                out[method] = np.full((n, *pred.shape[1:]), np.nan)
            out[method][test] = pred
        if progress:
            progress(done, len(splits))
    return out


def _take(values, index: np.ndarray):
    """Rows ``index`` of an array, or items of a list."""
    if isinstance(values, np.ndarray):
        return values[index]
    return [values[i] for i in index]
