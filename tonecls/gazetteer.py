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
        lengths: dict[str, set[int]] = {}
        for key in self._names:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {first: sorted(ns, reverse=True) for first, ns in lengths.items()}  # longest match first
        seconds: dict[str, set[str]] = {}
        for key in self._names:
            if len(key) > 1:
                seconds.setdefault(key[0], set()).add(key[1])
        self._seconds = {first: frozenset(words) for first, words in seconds.items()}
        self._firsts = frozenset(seconds)

    @classmethod
    def load(cls) -> Gazetteer:
        return cls((category, name) for category, name, _ in entries())

    def __len__(self) -> int:
        return len(self._names)

    def lone_names(self) -> dict[str, str]:
        """The one-word names with their placeholders. Where `needs_search` says no, each of them is masked on
        its own wherever it stands, so a scorer can map them once, in a per-word cache."""
        return {key[0]: placeholder for key, placeholder in self._names.items() if len(key) == 1}

    def first_pairs(self) -> dict[str, frozenset[str]]:
        """The first word of each name of several words, with the words that come second after it."""
        return dict(self._seconds)

    def needs_search(self, words: list[str]) -> bool:
        """Whether a name of several words could be among ``words``: its first two words occur in them (in any
        order: a set test that may say yes for nothing, never no for such a name). Where none can, masking
        is replacing each one-word name by its placeholder."""
        return any(not self._seconds[first].isdisjoint(words) for first in self._firsts.intersection(words))

    def may_hold_name(self, words: list[str]) -> bool:
        """Whether a name could start at one of ``words`` (one set test: most statements' words cannot)."""
        return not self._starts.isdisjoint(words)

    def spans(self, words: list[str]) -> list[tuple[int, int, str]]:
        """Each name found, left to right, as (first word, number of words, placeholder): longest match first."""
        lengths = self._lengths
        names = self._names
        size = len(words)
        out: list[tuple[int, int, str]] = []
        end = 0
        for i in _positions(words, self._starts.intersection(words)):
            if i < end:
                continue
            for n in lengths[words[i]]:
                placeholder = names.get(tuple(words[i : i + n])) if n <= size - i else None
                if placeholder is not None:
                    out.append((i, n, placeholder))
                    end = i + n
                    break
        return out

    def mask(self, words: list[str]) -> list[str | None] | None:
        """Per word: ``None`` (no name), the placeholder (a name starts here), or "" (the name goes on).

        ``None`` for the whole list when no word can start a name.
        """
        if not self.may_hold_name(words):
            return None
        out: list[str | None] = [None] * len(words)
        for i, n, placeholder in self.spans(words):
            out[i] = placeholder
            for k in range(i + 1, i + n):
                out[k] = ""
        return out


def _positions(words: list[str], found: set[str]) -> list[int]:
    """Where the words of ``found`` occur in ``words``, in order (list.index runs in C: names are few)."""
    out = []
    for word in found:
        i = words.index(word)
        while True:
            out.append(i)
            try:
                i = words.index(word, i + 1)
            except ValueError:
                break
    return sorted(out)
