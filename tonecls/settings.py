"""Training settings: the one checked description of how a model's features are built and fitted.

Kept apart from the estimators so that loading a model file for scoring (`tonecls.predictor`) reads its
settings without importing scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from tonecls.errors import ToneclsError

__all__ = ["ANALYSIS_PARAMS", "FEATURE_PARAMS", "RANGES", "Settings"]


@dataclass(frozen=True)
class Settings:
    """Training settings: everything needed to rebuild the features of a model."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = None
    stem: bool = True
    negation: bool = True
    mask_actors: bool = True
    cues: bool = True
    min_df: int = 2
    sublinear_tf: bool = True
    char_weight: float = 1.0
    cue_weight: float = 1.0
    C: float | None = None
    C_grid: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0)
    tune_thresholds: bool = True
    calibrate: bool = True
    real_weight: float = 1.0
    class_weight: str | None = "balanced"
    inner_folds: int = 3
    random_state: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        """Settings from plain values (JSON or `--set KEY=VALUE` text), each checked against its type."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ToneclsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        defaults = cls()
        return cls(**{k: _coerce(k, v, getattr(defaults, k)) for k, v in data.items()})

    def to_dict(self) -> dict:
        return asdict(self)

    def feature_params(self) -> dict:
        """The parameters of this model's ToneFeatures."""
        return {name: getattr(self, name) for name in FEATURE_PARAMS}


# The settings that are ToneFeatures' parameters; the first six decide how a text is analysed.
FEATURE_PARAMS = (
    "word_ngrams",
    "char_ngrams",
    "stem",
    "negation",
    "mask_actors",
    "cues",
    "min_df",
    "sublinear_tf",
    "char_weight",
    "cue_weight",
)
ANALYSIS_PARAMS = FEATURE_PARAMS[:6]


_CHOICES = {"class_weight": ("balanced", None)}
_OPTIONAL = {"char_ngrams", "C", "class_weight"}
_FLAGS = {"stem", "negation", "mask_actors", "cues", "sublinear_tf", "tune_thresholds", "calibrate"}
# Ranges with room around what real models use. A model file or --set outside them is refused: an n-gram
# range of 1..100000 makes one statement cost gigabytes, a million inner folds never ends.
RANGES: dict[str, tuple[float, float]] = {
    "word_ngrams": (1, 4),
    "char_ngrams": (1, 8),
    "min_df": (1, 1_000_000),
    "char_weight": (0.0, 100.0),
    "cue_weight": (0.0, 100.0),
    "C": (1e-6, 1e6),
    "C_grid": (1e-6, 1e6),
    "real_weight": (1e-6, 1e4),
    "inner_folds": (2, 20),
    "random_state": (0, 2**32 - 1),
}
MAX_C_GRID = 20


def _number(value: object, kind: type) -> float | int:
    """An int or a finite float from a number or its text; bools and non-whole ints are not numbers here."""
    if isinstance(value, bool):
        raise ValueError(value)
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _coerce(key: str, value: object, default: object) -> object:
    """One setting's value in the type of its default and within its range, or a ToneclsError saying why not."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("none", "null") and key in _OPTIONAL:
            return None
        if low in ("true", "false"):
            value = low == "true"
        elif "," in value:
            value = [part.strip() for part in value.split(",")]
    if value is None and key in _OPTIONAL:
        return None
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise ToneclsError(
                f"setting {key}: expected one of {', '.join(map(str, _CHOICES[key]))}, got {_shown(value)}"
            )
        return value
    lo, hi = RANGES.get(key, (-math.inf, math.inf))
    try:
        if key in ("word_ngrams", "char_ngrams", "C_grid"):
            items = value if isinstance(value, list | tuple) else [value]
            out = tuple(_number(v, float if key == "C_grid" else int) for v in items)
            if not all(lo <= v <= hi for v in out):
                raise ValueError(value)
            if key == "C_grid" and not 1 <= len(out) <= MAX_C_GRID:
                raise ValueError(value)
            if key != "C_grid" and (len(out) != 2 or out[0] > out[1]):
                raise ValueError(value)
            return out
        if key in _FLAGS or isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        number = _number(value, float if key == "C" or isinstance(default, float) else int)
        if not lo <= number <= hi:
            raise ValueError(value)
        return number
    except (TypeError, ValueError, OverflowError):
        pass
    between = f" from {lo:g} to {hi:g}" if key in RANGES else ""
    expected = {
        "word_ngrams": f"two whole numbers LOW,HIGH{between}",
        "char_ngrams": f"two whole numbers LOW,HIGH{between}, or none",
        "C_grid": f"1 to {MAX_C_GRID} numbers{between}, separated by commas",
        "C": f"a number{between}, or none (choose by cross-validation)",
    }.get(key)
    if expected is None:
        whole = "whole " if isinstance(default, int) else ""
        expected = "true or false" if isinstance(default, bool) else f"a {whole}number{between}"
    raise ToneclsError(f"setting {key}: expected {expected}, got {_shown(value)}")


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
    return text if len(text) <= 60 else text[:57] + "..."
