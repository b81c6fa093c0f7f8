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
from tonecls.crossval import GroupedToneSplit, out_of_fold
from tonecls.model import Settings, ToneModel
from tonecls.tones import TONES, label_matrix
from tonecls.training import sample_weights, statement_arrays


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
    texts, y, groups, tuning = statement_arrays(statements)
    splits = GroupedToneSplit(folds, seed).split(texts, y, groups)
    fit_params = {"groups": tuning, "sample_weight": sample_weights(statements, settings)}
    return out_of_fold(ToneModel(settings), texts, y, splits, fit_params=fit_params, progress=progress)["predict_proba"]


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
