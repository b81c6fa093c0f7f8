"""Why the model says what it says: each feature's contribution to a tone's score."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from tonecls.errors import ToneclsError
from tonecls.tones import TONES

if TYPE_CHECKING:  # model.py imports this module: a runtime import back would be a cycle
    from tonecls.predictor import Scorer

# Words that carry no tone on their own: a phrase made only of these is never shown as evidence.
FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for from with and or but as is are was were be been it its this that these those "
    "we our us they their them he his she her i my you your has have had will would can could".split()
)


def is_function_phrase(phrase: str) -> bool:
    return all(word.lower() in FUNCTION_WORDS for word in phrase.split())


def tone_index(tone: str) -> int:
    try:
        return TONES.index(tone)
    except ValueError:
        raise ToneclsError(f"unknown tone {tone!r}; tones are {', '.join(TONES)}") from None


def evidence(model: Scorer, text: str, tone: str, *, top: int = 5) -> list[list]:
    """Phrases of ``text`` that pushed ``tone`` up most, as ``[phrase, weight]``.

    A feature's contribution is its tf-idf value times the tone's coefficient;
    word, bigram, character and cue features are summed onto the words they
    came from, so an analyst reads phrases, not stems.
    """
    k = tone_index(tone)
    x = model.features_.transform([text])
    values = dict(zip(x.indices.tolist(), x.data.tolist(), strict=True))
    by_phrase: dict[str, float] = defaultdict(float)
    seen: set[tuple[int, str]] = set()
    for j, surface in model.features_.columns_with_surface(text):
        if (j, surface) in seen:
            continue
        seen.add((j, surface))
        by_phrase[surface] += values.get(j, 0.0) * float(model.coef_[k, j])
    shown = ((p, w) for p, w in by_phrase.items() if w > 0 and not is_function_phrase(p))
    ranked = sorted(shown, key=lambda pw: (-pw[1], pw[0]))
    return [[phrase, round(weight, 4)] for phrase, weight in ranked[:top]]


def top_features(model: Scorer, tone: str, *, top: int = 20) -> dict[str, list[list]]:
    """The features with the largest positive and negative weights for one tone."""
    model.check_is_fitted()
    k = tone_index(tone)
    names = model.features_.feature_names()
    coef = np.asarray(model.coef_[k])
    order = np.argsort(-coef, kind="stable")
    pos = [[names[j], round(float(coef[j]), 4)] for j in order[:top] if coef[j] > 0]
    neg = [[names[j], round(float(coef[j]), 4)] for j in order[::-1][:top] if coef[j] < 0]
    return {"positive": pos, "negative": neg}
