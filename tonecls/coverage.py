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

from collections.abc import Container

from tonecls.words import split_words

MIN_KNOWN_SHARE = 0.5
NOTE = "few words the model knows ({known} of {total}): tonecls reads English; these scores mean little"
NO_WORDS = "no words in it, only numbers or punctuation: these scores mean little"


def known_words(text: str, known: Container[str]) -> tuple[int, int]:
    """How many of the text's words (punctuation and numbers aside) are in ``known``, and how many there are."""
    words = [w.lower() for w in split_words(text) if w[0].isalpha()]
    return sum(w in known for w in words), len(words)


def coverage_note(text: str, known: Container[str] | None) -> dict:
    """``{}`` for a text the model can read; else ``{"known_words": share, "note": ...}`` for its output row."""
    if known is None:
        return {}
    found, total = known_words(text, known)
    share = found / total if total else 0.0
    if share >= MIN_KNOWN_SHARE:
        return {}
    note = NOTE.format(known=found, total=total) if total else NO_WORDS
    return {"known_words": round(share, 2), "note": note}


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
