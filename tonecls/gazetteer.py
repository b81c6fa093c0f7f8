"""Actor names (countries, capitals, nationalities, leaders, places) to mask.

A model that learns "Pakistan" instead of tone fails on the next crisis, so
names are replaced by a placeholder such as ``__country__`` before features
are made. The list is the project's own, in ``gazetteer.tsv``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from tonecls.resources import GAZETTEER, read_pairs
from tonecls.words import split_words

PLACEHOLDERS = {
    "country": "__country__",
    "capital": "__country__",
    "demonym": "__nationality__",
    "leader": "__leader__",
    "place": "__place__",
}


@functools.cache
def entries() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(category, name, name as words) of every name in the shipped gazetteer: its one parser."""
    return tuple((category, name, tuple(split_words(name))) for category, name in read_pairs(GAZETTEER))


class Gazetteer:
    """Greedy longest-match lookup of names over a token list."""

    def __init__(self, names: Iterable[tuple[str, str]]):
        """``names``: (category, name) pairs, as the gazetteer file lists them."""
        self._names: dict[tuple[str, ...], str] = {}
        for category, name in names:
            key = tuple(split_words(name))
            if key:
                self._names[key] = PLACEHOLDERS[category]
        self._longest = max((len(k) for k in self._names), default=0)
        self._starts = {k[0] for k in self._names}

    @classmethod
    def load(cls) -> Gazetteer:
        return cls((category, name) for category, name, _ in entries())

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
