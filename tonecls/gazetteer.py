"""Actor names (countries, capitals, nationalities, leaders, places) to mask.

A model that learns "Pakistan" instead of tone fails on the next crisis, so
names are replaced by a placeholder such as ``__country__`` before features
are made. The list is the project's own, in ``gazetteer.tsv``.
"""

from __future__ import annotations

import re
from importlib import resources

PLACEHOLDERS = {
    "country": "__country__",
    "capital": "__country__",
    "demonym": "__nationality__",
    "leader": "__leader__",
    "place": "__place__",
}
_NAME_WORDS = re.compile(r"\w+(?:'\w+)?|[.,;:!?()]")
_POSSESSIVE = re.compile(r"(\w)'s\b")  # statements lose "'s" before masking, so names do too


def read_pairs(name: str) -> list[tuple[str, str]]:
    """The two tab-separated columns of a data file shipped in the package (# starts a comment line)."""
    text = resources.files("tonecls").joinpath(name).read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            first, second = line.split("\t", 1)
            pairs.append((first.strip(), second.strip()))
    return pairs


class Gazetteer:
    """Greedy longest-match lookup of names over a token list."""

    def __init__(self, entries: list[tuple[str, str]]):
        self._names: dict[tuple[str, ...], str] = {}
        for category, name in entries:
            key = tuple(_NAME_WORDS.findall(_POSSESSIVE.sub(r"\1", name)))
            if key:
                self._names[key] = PLACEHOLDERS[category]
        self._longest = max((len(k) for k in self._names), default=0)
        self._starts = {k[0] for k in self._names}

    @classmethod
    def load(cls) -> Gazetteer:
        return cls(read_pairs("gazetteer.tsv"))

    def __len__(self) -> int:
        return len(self._names)

    def mask(self, words: list[str]) -> list[str | None] | None:
        """Per word: ``None`` (no name), the placeholder (a name starts here), or "" (the name goes on).

        ``None`` for the whole list when no word can start a name.
        """
        starts = self._starts
        hits = [i for i, w in enumerate(words) if w in starts]
        if not hits:
            return None
        out: list[str | None] = [None] * len(words)
        end = 0
        for i in hits:
            if i < end:
                continue
            for n in range(min(self._longest, len(words) - i), 0, -1):
                placeholder = self._names.get(tuple(words[i : i + n]))
                if placeholder is not None:
                    out[i] = placeholder
                    for k in range(i + 1, i + n):
                        out[k] = ""
                    end = i + n
                    break
        return out
