"""tonecls: the tone of diplomatic statements (condemnation, conciliation, threat, sovereignty).

Importing the package is cheap; the model code loads on first use.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING

from tonecls.errors import InputError, ModelFileError, ToneclsError
from tonecls.tones import TONES

try:
    __version__ = metadata.version("tonecls")
except metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "TONES",
    "InputError",
    "ModelFileError",
    "Settings",
    "Statement",
    "ToneModel",
    "TonePredictor",
    "ToneclsError",
    "__version__",
    "load_model",
    "load_predictor",
    "read_statements",
    "save_model",
    "score_batch",
    "train",
    "validate",
]

_LAZY = {
    "Statement": ("tonecls.corpus", "Statement"),
    "ToneModel": ("tonecls.model", "ToneModel"),
    "TonePredictor": ("tonecls.predictor", "TonePredictor"),
    "Settings": ("tonecls.settings", "Settings"),
    "load_model": ("tonecls.loading", "load_any"),  # a lexical or a semantic model file
    "load_predictor": ("tonecls.model_file", "load_predictor"),
    "save_model": ("tonecls.model_file", "save_model"),
    "score_batch": ("tonecls.batch", "score_batch"),
    "train": ("tonecls.training", "train"),
    "validate": ("tonecls.corpus", "validate"),
    "read_statements": ("tonecls.corpus", "read_statements"),
}

if TYPE_CHECKING:
    from tonecls.batch import score_batch
    from tonecls.corpus import Statement, read_statements, validate
    from tonecls.loading import load_any as load_model
    from tonecls.model import ToneModel
    from tonecls.model_file import load_predictor, save_model
    from tonecls.predictor import TonePredictor
    from tonecls.settings import Settings
    from tonecls.training import train


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'tonecls' has no attribute {name!r}")
