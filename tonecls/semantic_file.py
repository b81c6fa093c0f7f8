"""Save and load the semantic model file: the lexical model file's container (a zip of JSON and .npy, never
a pickle) holding the lexical model, the embedding regression, the combiner, calibration and thresholds.

The file records the embedding model's name and the SHA-256 of its weight files: a semantic model scores
with the embedding it was trained on or not at all, since other weights give other dimensions' meaning
and silently wrong probabilities. Reading goes through ``model_file.read_meta`` (bounded, checksummed).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

from tonecls.errors import ModelFileError
from tonecls.model_file import (
    FORMAT,
    FORMAT_VERSION,
    SEMANTIC_FORMAT,
    SEMANTIC_FORMAT_VERSION,
    _npy_bytes,
    model_arrays,
    model_from_meta,
    model_meta,
    write_model_file,
)
from tonecls.semantic import COMBINERS, SemanticModel, as_embedder, embedding_classifier
from tonecls.tones import TONES

LEXICAL_PREFIX = "lexical_"
MAX_NAME_CHARS = 1_000
MAX_DIMENSION = 16_384
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def semantic_arrays(model: SemanticModel) -> dict[str, np.ndarray]:
    arrays = {f"{LEXICAL_PREFIX}{k}": v for k, v in model_arrays(model.lexical_).items()}
    arrays.update(
        {
            "embedding_coef": model.embedding_classifier_.coef_.astype(np.float64),
            "embedding_intercept": model.embedding_classifier_.intercept_.astype(np.float64),
            "embedding_calibration": model.embedding_calibration_.astype(np.float64),
            "combiner": model.combiner_.astype(np.float64),
            "thresholds": model.thresholds_.astype(np.float64),
        }
    )
    return arrays


def save_semantic(model: SemanticModel, path: str | os.PathLike, card: dict | None = None) -> Path:
    """Write atomically (a temporary file in the same folder, then a rename)."""

    model.check_is_fitted()
    path = Path(path)
    arrays = semantic_arrays(model)
    lexical = model_meta(model.lexical_, {})
    lexical["arrays"] = {k: hashlib.sha256(_npy_bytes(v)).hexdigest() for k, v in model_arrays(model.lexical_).items()}
    meta = {
        "format": SEMANTIC_FORMAT,
        "format_version": SEMANTIC_FORMAT_VERSION,
        "tones": list(TONES),
        "lexical": lexical,
        "embedding": {
            "name": model.embedder_.name,
            "sha256": model.embedder_.digest,
            "dimension": int(model.embedding_classifier_.coef_.shape[1]),
        },
        "combine": model.combine,
        "embed_C": float(model.embed_C),
        "arrays": {name: hashlib.sha256(_npy_bytes(a)).hexdigest() for name, a in arrays.items()},
        "card": card or {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_model_file(path, meta, arrays)


def semantic_from_meta(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> SemanticModel:
    """A fitted SemanticModel from a file's checked metadata and arrays; refuses other embedding weights."""
    if meta.get("tones") != list(TONES):
        raise ModelFileError(f"{path}: not a usable tonecls model file (its tones differ from {', '.join(TONES)})")
    lexical_meta = meta.get("lexical")
    if not isinstance(lexical_meta, dict) or lexical_meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a usable semantic model file (no lexical model inside)")
    if lexical_meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: its lexical part is model format version {_shown(lexical_meta.get('format_version'))}, "
            f"but this tonecls reads version {FORMAT_VERSION}; retrain it with `tonecls train --embed`"
        )
    lexical_arrays = {k[len(LEXICAL_PREFIX) :]: v for k, v in arrays.items() if k.startswith(LEXICAL_PREFIX)}
    lexical = model_from_meta(path, {**lexical_meta, "card": meta.get("card", {})}, lexical_arrays)
    name, want, dimension = _embedding_record(path, meta)
    combine = meta.get("combine")
    if combine not in COMBINERS:
        raise ModelFileError(f"{path}: not a usable semantic model file (unknown combiner {_shown(combine)})")
    n = len(TONES)
    shapes = {
        "embedding_coef": (n, dimension),
        "embedding_intercept": (n,),
        "embedding_calibration": (n, 2),
        "combiner": (n, 3),
        "thresholds": (n,),
    }
    for key, shape in shapes.items():
        if key not in arrays or arrays[key].shape != shape:
            raise ModelFileError(f"{path}: corrupted (array {key!r} is missing or not of shape {shape})")
    if not ((arrays["thresholds"] >= 0) & (arrays["thresholds"] <= 1)).all():
        raise ModelFileError(f"{path}: corrupted (thresholds outside 0 to 1)")
    if not (arrays["embedding_calibration"][:, 0] > 0).all():
        raise ModelFileError(f"{path}: corrupted (calibration slope not above 0)")
    embed_C = meta.get("embed_C")
    if isinstance(embed_C, bool) or not isinstance(embed_C, int | float) or not embed_C > 0:
        raise ModelFileError(f"{path}: not a usable semantic model file (bad embed_C)")
    embedder = as_embedder(name)
    have = embedder.digest  # loads the embedding model: a one-line error if it or the extra is missing
    if have != want:
        raise ModelFileError(
            f"{path}: trained with embedding model {name} whose weights have sha256 {want[:12]}, but {name} here "
            f"has sha256 {have[:12]}; install the model it was trained with or retrain with `tonecls train --embed`"
        )
    return _assemble(lexical, embedder, combine, float(embed_C), arrays, meta.get("card", {}), path)


def _embedding_record(path: Path, meta: dict) -> tuple[str, str, int]:
    record = meta.get("embedding")
    name = record.get("name") if isinstance(record, dict) else None
    digest = record.get("sha256") if isinstance(record, dict) else None
    dimension = record.get("dimension") if isinstance(record, dict) else None
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS:
        raise ModelFileError(f"{path}: not a usable semantic model file (no embedding model name)")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise ModelFileError(f"{path}: not a usable semantic model file (no sha256 of the embedding weights)")
    if isinstance(dimension, bool) or not isinstance(dimension, int) or not 0 < dimension <= MAX_DIMENSION:
        raise ModelFileError(f"{path}: not a usable semantic model file (bad embedding dimension)")
    return name, digest, dimension


def _assemble(lexical, embedder, combine: str, embed_C: float, arrays: dict, card, path: Path) -> SemanticModel:
    model = SemanticModel(lexical.settings, embedder.name, combine, embed_C)
    model.lexical_ = lexical
    model.embedder_ = embedder
    model.embedding_classifier_ = embedding_classifier(
        arrays["embedding_coef"], arrays["embedding_intercept"], embed_C, lexical.settings
    )
    model.embedding_calibration_ = arrays["embedding_calibration"]
    model.combiner_ = arrays["combiner"]
    model.thresholds_ = arrays["thresholds"]
    model.classes_ = np.array(TONES)
    model.oof_lexical_ = model.oof_embedding_ = model.oof_probs_ = None
    model.card_ = card if isinstance(card, dict) else {}
    model.path_ = path
    return model


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
