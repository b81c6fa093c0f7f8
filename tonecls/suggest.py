"""What to label next: statements the model is least sure of, without near-copies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tonecls.corpus import Statement
from tonecls.model import ToneModel


@dataclass
class Suggestion:
    statement: Statement
    uncertainty: float
    probs: np.ndarray
    tones: list[str]


def uncertainty(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """1 at a tone's threshold, 0 at certainty: the highest value over the tones, per statement."""
    span = np.where(probs >= thresholds, 1.0 - thresholds, thresholds)
    closeness = 1.0 - np.abs(probs - thresholds) / np.maximum(span, 1e-9)
    return closeness.max(axis=1)


def suggest_next(
    model: ToneModel, pool: Sequence[Statement], *, n: int = 20, diversity: float = 0.7
) -> list[Suggestion]:
    """Greedy: the most uncertain statement first, each next one discounted by its likeness to those chosen.

    Likeness is the cosine of the model's own feature vectors, so twenty
    near-copies of one uncertain statement count as one.
    """
    model.check_is_fitted()
    if not pool:
        return []
    texts = [s.text for s in pool]
    probs = model.predict_proba(texts)
    base = uncertainty(probs, model.thresholds_)
    x = model.features_.transform(texts)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    max_sim = np.zeros(len(pool))
    chosen: list[int] = []
    for _ in range(min(n, len(pool))):
        score = base * (1.0 - diversity * max_sim)
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        sim = np.asarray(x @ x[best].T.toarray()).ravel() / (norms * norms[best])
        max_sim = np.maximum(max_sim, sim)
    return [Suggestion(pool[i], float(base[i]), probs[i], model.tones_of(probs[i])) for i in chosen]
