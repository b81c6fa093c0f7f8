"""Corpus to fitted model and report: grouped, repeated cross-validation, then a final fit."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.dummy import DummyClassifier

from tonecls.card import build_card
from tonecls.corpus import Statement, label_files, read_statements
from tonecls.crossval import GroupedToneSplit, out_of_fold
from tonecls.errors import ToneclsError
from tonecls.evaluate import mean_metrics, tone_metrics
from tonecls.grouping import group_ids, tuning_groups
from tonecls.model import Settings, ToneModel
from tonecls.resources import checkout_root, shipped_model_path
from tonecls.tones import label_matrix

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


def statement_arrays(statements: Sequence[Statement]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Texts, tone matrix, near-duplicate groups (for splitting) and situation groups (for tuning)."""
    texts = [s.text for s in statements]
    y = label_matrix([s.labels for s in statements])
    tuning = np.array(tuning_groups([s.meta.get("situation") for s in statements], texts))
    return texts, y, group_ids(texts), tuning


def real_statement_splits(
    statements: Sequence[Statement], groups: np.ndarray, y: np.ndarray, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped folds over the real statements; constructed ones join every training fold, never a test fold."""
    real = np.flatnonzero([not s.constructed for s in statements])
    constructed = np.flatnonzero([s.constructed for s in statements])
    splitter = GroupedToneSplit(folds, seed)
    return [
        (np.sort(np.concatenate([real[train], constructed])), real[test])
        for train, test in splitter.split(real, y[real], groups[real])
    ]


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
    texts, y, groups, tuning = statement_arrays(statements)
    weights = sample_weights(statements, settings)
    real = np.flatnonzero([not s.constructed for s in statements])
    oof = np.zeros((len(real), y.shape[1]))
    runs: dict[str, list[dict]] = {"tonecls": [], "majority": []}
    total = folds * repeats
    for r in range(repeats):
        splits = real_statement_splits(statements, groups, y, folds, seed + r)
        step = None if progress is None else (lambda done, _n, r=r: progress(r * folds + done, total))
        fitted = {"groups": tuning, "sample_weight": weights}
        got = out_of_fold(
            ToneModel(settings),
            texts,
            y,
            splits,
            methods=("predict_proba", "predict"),
            fit_params=fitted,
            progress=step,
        )
        base = out_of_fold(DummyClassifier(strategy="most_frequent"), texts, y, splits, methods=("predict",))
        oof += got["predict_proba"][real] / repeats
        runs["tonecls"].append(tone_metrics(y[real], got["predict"][real] > 0.5))
        runs["majority"].append(tone_metrics(y[real], base["predict"][real] > 0.5))
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
    texts, y, groups, tuning = statement_arrays(statements)
    real_groups = {g for g, s in zip(groups, statements, strict=True) if not s.constructed}
    cv = None
    if repeats > 0 and len(real_groups) >= max(folds, 2):  # too few real groups to hold one out per fold
        cv = cross_validate(statements, settings, folds=folds, repeats=repeats, seed=seed, progress=progress)
    model = ToneModel(settings).fit(texts, y, tuning, sample_weights(statements, settings))
    oof = cv.pop("oof_probs") if cv else None
    card = build_card(
        files=files,
        statements=statements,
        settings=settings.to_dict(),
        thresholds=model.thresholds_,
        Cs=model.C_,
        calibration=model.calibration_,
        cv=cv,
    )
    model.card_ = card
    return TrainResult(model=model, card=card, statements=statements, oof_probs=oof)
