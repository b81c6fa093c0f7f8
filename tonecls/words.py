"""The one definition of a word, shared by the features, the gazetteer and the lexicons.

A name in the gazetteer only masks a statement's words if both are split the
same way, so there is a single pattern.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"\w+(?:'\w+)?|[.,;:!?()]")
POSSESSIVE = re.compile(r"(\w)'s\b")  # "Iran's" -> "Iran": statements and names lose "'s" alike


def split_words(text: str) -> list[str]:
    """Words and punctuation marks, possessive "'s" dropped."""
    return WORD_RE.findall(POSSESSIVE.sub(r"\1", text))
