"""Corpus to fitted model and report: grouped, repeated cross-validation, then a final fit."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tonecls.card import build_card
from tonecls.corpus import Statement, label_files, read_statements
from tonecls.errors import ToneclsError
from tonecls.evaluate import mean_metrics, tone_metrics
from tonecls.grouping import group_ids, grouped_folds, tuning_groups
from tonecls.model import Settings, ToneModel, label_matrix
from tonecls.resources import checkout_root, shipped_model_path

Progress = Callable[[int, int], None]


@dataclass
class TrainResult:
    model: ToneModel
    card: dict
    statements: list[Statement]
    oof_probs: np.ndarray | None


def sample_weights(statements: Sequence[Statement], settings: Settings) -> np.ndarray:
    """Real statements weigh ``settings.real_weight`` times a constructed one in the loss."""
    return np.array([1.0 if s.constructed else settings.real_weight for s in statements])


def cross_validate(
    statements: Sequence[Statement],
    settings: Settings,
    *,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict:
    """Grouped CV over the real statements; constructed ones always train, never score.

    Returns per-system mean metrics (tonecls and a majority baseline) and the
    out-of-fold probabilities of every real statement, averaged over repeats.
    """
    texts = [s.text for s in statements]
    y = label_matrix([s.labels for s in statements])
    groups = group_ids(texts)
    tuning = np.array(tuning_groups([s.meta.get("situation") for s in statements], texts))
    weights = sample_weights(statements, settings)
    real = np.flatnonzero([not s.constructed for s in statements])
    constructed = np.flatnonzero([s.constructed for s in statements])
    oof = np.zeros((len(real), y.shape[1]))
    runs: dict[str, list[dict]] = {"tonecls": [], "majority": []}
    total, done = folds * repeats, 0
    for r in range(repeats):
        pred = np.zeros((len(real), y.shape[1]), dtype=bool)
        base = np.zeros_like(pred)
        for test_pos in grouped_folds(groups[real], y[real], folds, seed + r):
            test = real[test_pos]
            train_idx = np.concatenate([np.setdiff1d(real, test), constructed])
            model = ToneModel(settings).fit(
                [texts[i] for i in train_idx], y[train_idx], tuning[train_idx], weights[train_idx]
            )
            probs = model.predict_proba([texts[i] for i in test])
            oof[test_pos] += probs / repeats
            pred[test_pos] = probs >= model.thresholds_
            base[test_pos] = y[train_idx].mean(axis=0) > 0.5
            done += 1
            if progress:
                progress(done, total)
        runs["tonecls"].append(tone_metrics(y[real], pred))
        runs["majority"].append(tone_metrics(y[real], base))
    return {
        "folds": folds,
        "repeats": repeats,
        "seed": seed,
        "scored": int(len(real)),
        "systems": {name: mean_metrics(r) for name, r in runs.items()},
        "oof_probs": oof,
    }


def default_training_paths(data: Sequence[str | os.PathLike], out: str | os.PathLike | None) -> tuple[list[Path], Path]:
    """Label files and model path to train with: what was given, else the checkout's statements/ and model.

    Outside a checkout there is nothing to default to, and the installed package
    is never a place to write, so both must be given.
    """
    root = checkout_root()
    env = os.environ.get("TONECLS_MODEL")
    if not data:
        if root is None:
            raise ToneclsError(
                "give the label files or folders to train on (e.g. tonecls train my-labels/ --out my.model)"
            )
        data = [root / "statements"]
    if out is None:
        if env:
            out = env
        elif root is not None:
            out = shipped_model_path()
        else:
            raise ToneclsError("give --out: where to write the model (the installed tonecls is never overwritten)")
    out = Path(out)
    if root is None and _inside(out, shipped_model_path().parent.parent):
        raise ToneclsError(f"{out}: inside the installed tonecls package; write the model elsewhere with --out")
    return [Path(p) for p in data], out


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def train(
    paths: Iterable[str | os.PathLike],
    *,
    settings: Settings | None = None,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
) -> TrainResult:
    """Validate the label files, cross-validate, and fit the model on everything."""
    paths = list(paths)
    settings = settings or Settings()
    files = label_files(paths)
    statements = read_statements(files)
    cv = None
    if repeats > 0 and sum(not s.constructed for s in statements) >= folds:
        cv = cross_validate(statements, settings, folds=folds, repeats=repeats, seed=seed, progress=progress)
    texts = [s.text for s in statements]
    groups = tuning_groups([s.meta.get("situation") for s in statements], texts)
    model = ToneModel(settings).fit(texts, [s.labels for s in statements], groups, sample_weights(statements, settings))
    oof = cv.pop("oof_probs") if cv else None
    card = build_card(
        files=files,
        statements=statements,
        settings=settings.to_dict(),
        thresholds=model.thresholds_,
        Cs=model.C_,
        cv=cv,
    )
    model.card_ = card
    return TrainResult(model=model, card=card, statements=statements, oof_probs=oof)
