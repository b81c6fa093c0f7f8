"""One place that opens any tonecls model file: the lexical format, or the semantic one (`train --embed`).

Every command loads through ``load_any``, so a semantic model works wherever a lexical one does. The
semantic reader (and with it sentence-transformers and torch) is imported only for a semantic file.
"""

from __future__ import annotations

import os
from pathlib import Path

from tonecls.model_file import (
    KNOWN_FORMATS,
    SEMANTIC_FORMAT,
    assemble,
    default_model_path,
    parts_from_meta,
    predictor_of,
    read_meta,
)
from tonecls.resources import resolve_model_path


def load_any(path: str | os.PathLike | None = None, *, predictor: bool = False):
    """The model in ``path`` (default: ``default_model_path()``): a SemanticModel for a semantic file; for a
    lexical one a ToneModel (an estimator, to fit or clone), or with ``predictor`` a TonePredictor (to score:
    it never imports scikit-learn). ``"semantic"`` names the semantic model shipped with tonecls."""
    path = Path(resolve_model_path(path)) if path is not None else default_model_path()
    meta, arrays = read_meta(path, formats=KNOWN_FORMATS)
    if meta["format"] == SEMANTIC_FORMAT:
        from tonecls.semantic_file import semantic_from_meta

        return semantic_from_meta(path, meta, arrays)
    parts = parts_from_meta(path, meta, arrays)
    return predictor_of(parts) if predictor else assemble(*parts)
