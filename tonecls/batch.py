"""Score a batch of statements with a loaded model: the one function every engine calls.

`tonecls score` (in one process and in its ``--jobs`` workers), the server's
``/api/score`` and the Dask path all build their rows here, so their outputs
cannot drift apart. It reads no file, writes nothing and keeps nothing
between calls, so it is safe to call from threads, worker processes and
Dask tasks alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tonecls.coverage import model_coverage
from tonecls.errors import ToneclsError
from tonecls.tones import TONES

if TYPE_CHECKING:
    from tonecls.predictor import Scorer

CARRIED = ("actor", "date", "speaker")  # fields carried from the input to the output, in this order


def score_batch(model: Scorer, texts: Sequence[str], meta: Sequence[Mapping | None] | None = None) -> list[dict]:
    """One row per text, in order, exactly as `tonecls score` writes it.

    ``meta``, when given, holds one mapping (or None) per text with any of
    ``id``, ``actor``, ``date`` and ``speaker``. A row is ``{"id", "tones",
    "scores", "known_words", "note", "actor", "date", "speaker", "text"}``: the id only when the
    mapping has one, a carried field only when it is neither None nor "",
    ``known_words`` and ``note`` only when few of the text's words are ones
    the model knows (see `tonecls.coverage`).
    The texts are scored in one matrix product, so a batch of a few thousand
    costs far less than as many single calls.

    >>> from tonecls import load_predictor, score_batch
    >>> rows = score_batch(load_predictor(), ["We condemn the attack."], [{"id": "a1", "actor": "X"}])
    >>> sorted(rows[0])
    ['actor', 'id', 'scores', 'text', 'tones']
    """
    texts = list(texts)
    if meta is not None and len(meta) != len(texts):
        raise ToneclsError(f"score_batch: {len(texts)} texts but {len(meta)} meta entries")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ToneclsError(f"score_batch: text {i} is {type(text).__name__}, not a string")
    if not texts:
        return []
    with_coverage = getattr(model, "predict_proba_with_coverage", None)  # a TonePredictor counts words on the way
    probs, packed = with_coverage(texts) if with_coverage is not None else (model.predict_proba(texts), None)
    flags = (probs >= model.thresholds_).tolist()  # exactly the comparison `tones_of` makes, for all at once
    coverage = model_coverage(model)
    notes = coverage.notes(texts, packed) if coverage is not None else [{}] * len(texts)
    rows = []
    for i, (text, p, has, note) in enumerate(zip(texts, probs.tolist(), flags, notes, strict=True)):
        extra = meta[i] if meta is not None else None
        rows.append(_row(text, p, [t for t, f in zip(TONES, has, strict=True) if f], extra, note))
    return rows


def result_row(model: Scorer, text: str, probs, meta: Mapping | None = None) -> dict:
    """The row of one scored text (see `score_batch`)."""
    coverage = model_coverage(model)
    note = coverage.note(text) if coverage is not None else {}
    return _row(text, [float(p) for p in probs], model.tones_of(probs), meta, note)


def _row(text: str, probs: list[float], tones: list[str], meta: Mapping | None, note: dict) -> dict:
    row: dict = {"id": meta["id"]} if meta and "id" in meta else {}
    row["tones"] = tones
    row["scores"] = {t: round(p, 4) for t, p in zip(TONES, probs, strict=True)}
    row.update(note)
    if meta:
        for key in CARRIED:
            value = meta.get(key)
            if value is not None and value != "":
                row[key] = value
    row["text"] = text
    return row
