"""Scoring with a fitted model, on numpy and scipy.sparse alone: the linear scores, their calibration and
the thresholds.

`TonePredictor` is what `classify`, `score` (and its `--jobs` and Dask workers), `serve`, `evaluate` and
`explain` load from a model file (`tonecls.model_file.load_predictor`): importing scikit-learn's estimators
would cost more than the whole command otherwise. The scikit-learn estimators of `tonecls.model`, which
fit models, predict through the same functions here, so both give the same numbers bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from tonecls.coverage import WordCoverage, model_coverage, model_words
from tonecls.explain import evidence
from tonecls.features import FeatureSpace, texts_of
from tonecls.settings import Settings
from tonecls.tones import TONES

__all__ = ["TonePredictor", "calibrate", "linear_scores", "sigmoid"]


def linear_scores(X, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Log-odds per label: the feature matrix times the coefficients, plus the intercepts."""
    return np.asarray(X @ coef.T) + intercept


def calibrate(scores: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Calibrated log-odds from raw ones (n, tones) and a (tones, 2) Platt slope and intercept."""
    return calibration[:, 0] * scores + calibration[:, 1]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


class TonePredictor:
    """A fitted model for scoring: a feature space, one linear model per tone, calibration and thresholds.

    It has the prediction API of `tonecls.model.ToneModel` (``decision_function``, ``predict_proba``,
    ``predict``, ``tones_of``, ``classify``, and the ``features_``, ``coef_``, ``thresholds_`` that
    `tonecls.explain` reads) but cannot be fitted: `load_model` gives the estimator for that.
    """

    tones = TONES

    def __init__(
        self,
        features: FeatureSpace,
        coef: np.ndarray,
        intercept: np.ndarray,
        calibration: np.ndarray,
        thresholds: np.ndarray,
        *,
        settings: Settings | None = None,
        C: np.ndarray | None = None,
        card: dict | None = None,
        path: Path | None = None,
    ):
        self.features_ = features
        self.coef_ = coef
        self.intercept_ = intercept
        self.calibration_ = calibration
        self.thresholds_ = thresholds
        self.settings = settings
        self.C_ = C
        self.card_ = card if card is not None else {}
        self.path_ = path
        self.classes_ = np.array(TONES)

    @property
    def coverage(self) -> WordCoverage | None:
        """How many of a text's words training saw (`tonecls.coverage`), with its cache of pieces of text."""
        if "_coverage" not in self.__dict__:
            known = model_words(self)
            self.__dict__["_coverage"] = None if known is None else WordCoverage(known)
        return self.__dict__["_coverage"]

    def __getstate__(self) -> dict:
        """Without the coverage cache: a pickled predictor stays the size of its file."""
        return {k: v for k, v in self.__dict__.items() if k != "_coverage"}

    def check_is_fitted(self) -> None:
        """Always fitted: a predictor is made from a fitted model (kept for code written for ToneModel)."""

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated log-odds, one row per text and one column per tone: ``predict_proba`` is their sigmoid."""
        x = self.features_.transform(texts_of(X))
        return calibrate(linear_scores(x, self.coef_, self.intercept_), self.calibration_)

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text and one column per tone in TONES order."""
        return sigmoid(self.decision_function(X))

    def predict_proba_with_coverage(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """`predict_proba`, and each text's known words and words as the feature space counted them on the
        way (`tonecls.coverage`; None where it did not): `score_batch` needs not split the texts again."""
        x, packed = self.features_.transform_with_coverage(texts_of(texts))
        return sigmoid(calibrate(linear_scores(x, self.coef_, self.intercept_), self.calibration_)), packed

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Whether each text has each tone: its probability at or above the tone's threshold."""
        return self.predict_proba(X) >= self.thresholds_

    def tones_of(self, probs: np.ndarray) -> list[str]:
        return [t for t, p, th in zip(TONES, probs, self.thresholds_, strict=True) if p >= th]

    def classify(self, text: str, *, top: int = 5) -> dict:
        """One statement's tones, scores and evidence, as `classify --json` prints it."""
        return classification(self, text, top=top)


def classification(model: object, text: str, *, top: int = 5, explained: object = None) -> dict:
    """One statement's tones, scores, out-of-vocabulary note and evidence, as `classify --json` prints them,
    for any model with ``predict_proba`` and ``tones_of``; the evidence is ``explained``'s phrases (default
    the model itself; a semantic model's lexical part)."""
    probs = model.predict_proba([text])[0]
    tones = model.tones_of(probs)
    coverage = model_coverage(model)
    return {
        "tones": tones,
        "scores": {t: round(float(p), 4) for t, p in zip(TONES, probs, strict=True)},
        **(coverage.note(text) if coverage is not None else {}),
        "evidence": {t: evidence(explained or model, text, t, top=top) for t in tones},
    }


if TYPE_CHECKING:  # what scores: a loaded predictor, or an estimator fitted in this process
    from tonecls.model import ToneModel

    Scorer: TypeAlias = "TonePredictor | ToneModel"
