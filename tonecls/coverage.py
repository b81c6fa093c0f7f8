"""Whether a statement is made of words the model knows: the out-of-vocabulary note.

A text in French or Chinese shares almost no words with the English corpus the model learnt from, so
every feature is zero and the model answers "no tone" with its usual confidence. Counting the share of
the text's words that training saw (the model file's stem table holds every one of them) costs a regular
expression and a dictionary look-up per word, so every scored row can carry it.

On the 164 English statements of the dev set the share is at least 0.55 (5th percentile 0.75); on
sentences in French, Spanish, German, Italian, Russian and Chinese it is 0 to 0.42. Below
``MIN_KNOWN_SHARE`` the row gets a ``note``.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

import numpy as np

from tonecls.text import normalise
from tonecls.words import split_words

MIN_KNOWN_SHARE = 0.5
NOTE = "few words the model knows ({known} of {total}): tonecls reads English; these scores mean little"
NO_WORDS = "no words in it, only numbers or punctuation: these scores mean little"
MAX_PIECES = 500_000  # pieces of text remembered before the cache starts again (open-domain text keeps coming)
_SHIFT = 32  # a piece's counts packed in one int: known words << _SHIFT | words (summed in C, split after)
_MASK = (1 << _SHIFT) - 1


def known_words(text: str, known: Container[str]) -> tuple[int, int]:
    """How many of the text's words (punctuation and numbers aside) are in ``known``, and how many there are."""
    return WordCoverage(known).counts(text)


def piece_counts(words: Sequence[str], known: Container[str]) -> int:
    """The known words and words (punctuation and numbers aside) of one piece's words, packed in one int."""
    words = [w.lower() for w in words if w[0].isalpha()]
    return (sum(w in known for w in words) << _SHIFT) | len(words)


class WordCoverage:
    """`known_words` for many texts: each white-space-free piece of text is split and looked up once.

    Scoring a statement costs about 70 microseconds; splitting every text again with a regular expression
    would add a third to that, a dictionary look-up per piece adds a few percent.
    """

    def __init__(self, known: Container[str]):
        self.known = known
        self.pieces: dict[str, int] = {}

    def counts(self, text: str) -> tuple[int, int]:
        total = self._packed(text)
        return total >> _SHIFT, total & _MASK

    def _packed(self, text: str) -> int:
        if not text.isascii():
            text = normalise(text)
        try:
            return sum(map(self.pieces.get, text.split()))  # C all the way when every piece is cached
        except TypeError:  # a piece not seen yet (None)
            if len(self.pieces) > MAX_PIECES:
                self.pieces.clear()
            cache = self.pieces
            return sum(cache[p] if p in cache else self._learn(p) for p in text.split())

    def _learn(self, piece: str) -> int:
        packed = self.pieces[piece] = piece_counts(split_words(piece), self.known)
        return packed

    def note(self, text: str) -> dict:
        """``{}`` for a text the model can read; else ``{"known_words": share, "note": ...}`` for its row."""
        return self.notes([text])[0]

    def notes(self, texts: Sequence[str], packed: np.ndarray | None = None) -> list[dict]:
        """`note` of each text; the shares are compared all at once, a note is made only where one is due.
        ``packed``: the texts' counts when the scoring path counted them already (`WordIndex`)."""
        if packed is None:
            packed = np.fromiter(map(self._packed, texts), dtype=np.int64, count=len(texts))
        found, total = packed >> _SHIFT, packed & _MASK
        share = found / np.maximum(total, 1)
        out: list[dict] = [{}] * len(texts)
        for i in np.flatnonzero(share < MIN_KNOWN_SHARE).tolist():
            n, m = int(found[i]), int(total[i])
            message = NOTE.format(known=n, total=m) if m else NO_WORDS
            out[i] = {"known_words": round(float(share[i]), 2), "note": message}
        return out


def coverage_note(text: str, known: Container[str] | None) -> dict:
    """``{}`` for a text the model can read (or a model without a word table); else its note (see `WordCoverage`)."""
    return {} if known is None else WordCoverage(known).note(text)


def model_coverage(model: object) -> WordCoverage | None:
    """The model's own `WordCoverage` where it keeps one (a `TonePredictor`), else a new one; None without a
    word table."""
    kept = getattr(model, "coverage", None)
    if isinstance(kept, WordCoverage):
        return kept
    known = model_words(model)
    return None if known is None else WordCoverage(known)


def model_words(model: object) -> Container[str] | None:
    """The words a fitted model's training texts held: the keys of its stem table (a `TonePredictor`'s
    analysis, or a fitted `ToneFeatures`'s ``forms_``). None where there is no table (a file written before
    tables were stored, or a model being fitted in this process, whose stemmer records every word it sees):
    no note then."""
    features = model.features_
    forms = getattr(features, "forms_", None)
    if forms is None and hasattr(features, "analysis"):
        forms = features.analysis.forms
    return None if forms is None or forms.exact else forms.stems
