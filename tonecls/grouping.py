"""Near-duplicate groups, so that no split puts a statement and its copy apart."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


def text_key(text: str) -> str:
    """Text compared without case, punctuation or spacing."""
    return " ".join(_WORD.findall(text.lower()))


def near_duplicate_pairs(texts: Sequence[str], *, jaccard: float = 0.8) -> list[tuple[int, int]]:
    """Pairs of indices whose texts are equal, contain one another, or share most words."""
    keys = [text_key(t) for t in texts]
    words = [set(k.split()) for k in keys]
    index: dict[str, list[int]] = defaultdict(list)
    for i, ws in enumerate(words):
        for w in ws:
            index[w].append(i)
    pairs = []
    for i, ws in enumerate(words):
        if not ws:
            continue
        rare = sorted(ws, key=lambda w: (len(index[w]), w))[:3]
        candidates = {j for w in rare for j in index[w] if j > i}
        for j in sorted(candidates):
            if _similar(keys[i], keys[j], ws, words[j], jaccard):
                pairs.append((i, j))
    return pairs


def _similar(a: str, b: str, wa: set[str], wb: set[str], jaccard: float) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short.split()) >= 3 and f" {short} " in f" {long_} ":
        return True
    return len(wa & wb) / len(wa | wb) >= jaccard


def group_ids(texts: Sequence[str]) -> np.ndarray:
    """One group number per text; near-duplicates share a number."""
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in near_duplicate_pairs(texts):
        parent[find(i)] = find(j)
    roots = [find(i) for i in range(len(texts))]
    renumber: dict[int, int] = {}
    return np.array([renumber.setdefault(r, len(renumber)) for r in roots], dtype=np.int64)


def grouped_folds(groups: Sequence[int], y: np.ndarray, n_splits: int, seed: int) -> list[np.ndarray]:
    """Test indices of each fold: whole groups, shuffled, with each tone spread over folds."""
    groups = np.asarray(groups)
    rng = np.random.RandomState(seed)
    unique = rng.permutation(np.unique(groups))
    members = {g: np.flatnonzero(groups == g) for g in unique}
    rarity = y.sum(axis=0) if len(y) else np.zeros(0)

    def rarest_tone(g: int) -> float:
        present = np.flatnonzero(y[members[g]].any(axis=0))
        return float(rarity[present].min()) if len(present) else float("inf")

    ordered = sorted(unique, key=rarest_tone)
    folds: list[list[int]] = [[] for _ in range(n_splits)]
    for k, g in enumerate(ordered):
        folds[k % n_splits].extend(members[g].tolist())
    return [np.array(sorted(f), dtype=np.int64) for f in folds if f]


def tuning_groups(situations: Sequence[str | None], texts: Sequence[str]) -> list[str]:
    """Groups for the inner cross-validation that picks C and thresholds.

    Statements of one situation (crisis) stay together, so tuning is judged on
    situations the fold never saw, as analysts will use the model; statements
    without a situation fall back to near-duplicate groups.
    """
    dup = group_ids(texts)
    return [f"situation:{s}" if s else f"dup:{d}" for s, d in zip(situations, dup, strict=True)]
