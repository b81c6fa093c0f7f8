"""Likely label errors: labeled statements the cross-validated model disagrees with most.

cleanlab's multi-label finder was considered: it ranks by the same kind of
out-of-fold self-confidence, but would bring pandas and more into an
install that otherwise needs scikit-learn and nltk, for a score that is a
few lines of numpy. So the score is computed here, the way cleanlab's
documentation describes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tonecls.corpus import Statement
from tonecls.grouping import group_ids, grouped_folds, tuning_groups
from tonecls.model import Settings, ToneModel, label_matrix
from tonecls.tones import TONES


@dataclass
class LabelIssue:
    statement: Statement
    quality: float
    probs: np.ndarray
    disputed: list[str]


def out_of_fold_probs(
    statements: Sequence[Statement], settings: Settings, *, folds: int = 5, seed: int = 0, progress=None
) -> np.ndarray:
    """Each statement's probabilities from a model that never saw it (nor its near-duplicates)."""
    texts = [s.text for s in statements]
    y = label_matrix([s.labels for s in statements])
    groups = group_ids(texts)
    tuning = np.array(tuning_groups([s.meta.get("situation") for s in statements], texts))
    from tonecls.training import sample_weights

    weights = sample_weights(statements, settings)
    probs = np.zeros(y.shape)
    splits = grouped_folds(groups, y, folds, seed)
    for k, test in enumerate(splits, start=1):
        train = np.setdiff1d(np.arange(len(texts)), test)
        model = ToneModel(settings).fit([texts[i] for i in train], y[train], tuning[train], weights[train])
        probs[test] = model.predict_proba([texts[i] for i in test])
        if progress:
            progress(k, len(splits))
    return probs


def find_label_issues(statements: Sequence[Statement], probs: np.ndarray, *, top: int = 20) -> list[LabelIssue]:
    """Rank by label quality: the lowest probability the model gives to any of the given labels."""
    y = label_matrix([s.labels for s in statements])
    agree = np.where(y == 1, probs, 1.0 - probs)
    quality = agree.min(axis=1)
    order = np.argsort(quality, kind="stable")[:top]
    return [
        LabelIssue(statements[i], float(quality[i]), probs[i], [t for k, t in enumerate(TONES) if agree[i, k] < 0.5])
        for i in order
    ]
