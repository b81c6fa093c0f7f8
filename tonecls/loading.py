"""One place that opens any tonecls model file: the lexical format, or the semantic one (`train --embed`).

Every command loads through ``load_any``, so a semantic model works wherever a lexical one does. The
semantic reader (and with it sentence-transformers and torch) is imported only for a semantic file.
"""

from __future__ import annotations

import os
from pathlib import Path

from tonecls.model_file import KNOWN_FORMATS, SEMANTIC_FORMAT, default_model_path, model_from_meta, read_meta


def load_any(path: str | os.PathLike | None = None):
    """The model in ``path`` (default: ``default_model_path()``): a ToneModel or a SemanticModel."""
    path = Path(path) if path is not None else default_model_path()
    meta, arrays = read_meta(path, formats=KNOWN_FORMATS)
    if meta["format"] == SEMANTIC_FORMAT:
        from tonecls.semantic_file import semantic_from_meta

        return semantic_from_meta(path, meta, arrays)
    return model_from_meta(path, meta, arrays)
