"""Label files to a fitted SemanticModel and its card (`tonecls train --embed`)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from tonecls.card import build_card
from tonecls.corpus import label_files, read_statements
from tonecls.model import Settings
from tonecls.semantic import SemanticModel
from tonecls.training import TrainResult, sample_weights, statement_arrays

NOTES = {
    "concat": "one logistic regression per tone over the TF-IDF columns and the embedding: C, calibration and "
    "thresholds above are its own",
    "stack": "thresholds above are the combined model's; C and calibration are the lexical part's",
    "average": "thresholds above are the combined model's; C and calibration are the lexical part's",
}


def train_semantic(
    paths: Iterable[str | os.PathLike], *, embed: str, settings: Settings | None = None, combine: str = "concat"
) -> TrainResult:
    """Validate the label files and fit the lexical model, the embedding regression and their combiner.

    No outer cross-validation here (it would embed and fit everything once per fold): the semantic model's
    held-out figures are measured by benchmarks/semantic.py and recorded in the card by whoever ships it.
    """
    settings = settings or Settings()
    files = label_files(list(paths))
    statements = read_statements(files)
    texts, y, _, tuning = statement_arrays(statements)
    model = SemanticModel(settings, embed, combine).fit(texts, y, tuning, sample_weights(statements, settings))
    lexical = model.lexical_
    card = build_card(
        files=files,
        statements=statements,
        settings=settings.to_dict(),
        thresholds=model.thresholds_,
        Cs=lexical.C_,
        calibration=lexical.calibration_,
        cv=None,
    )
    card["semantic"] = {
        "embedding": model.embedder_.name,
        "embedding_sha256": model.embedder_.digest,
        "combine": combine,
        "note": NOTES[combine],
        "held-out figures": "benchmarks/README.md, section Semantic block (python benchmarks/semantic.py)",
    }
    model.card_ = card
    return TrainResult(model=model, card=card, statements=statements, oof_probs=model.oof_probs_)
