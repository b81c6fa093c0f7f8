"""A small lexicon of tone signals, as features the regression learns to weigh."""

from __future__ import annotations

from importlib import resources

from tonecls.text import NEGATION_PREFIX, Analyzer, Token
from tonecls.tones import TONES


class CueLexicon:
    """Stemmed cue phrases per tone; a negated cue is its own feature."""

    def __init__(self, entries: list[tuple[str, str]]):
        analyzer = Analyzer(negation=False)
        self._phrases: dict[tuple[str, ...], set[str]] = {}
        for tone, phrase in entries:
            if tone not in TONES:
                raise ValueError(f"cue lexicon: unknown tone {tone!r}")
            key = tuple(feature for feature, _ in analyzer.tokens(phrase) if feature)
            self._phrases.setdefault(key, set()).add(tone)
        self._by_first: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}
        for key, tones in sorted(self._phrases.items()):
            self._by_first.setdefault(key[0], []).append((key, sorted(tones)))
        self._starts = set(self._by_first) | {NEGATION_PREFIX + k for k in self._by_first}

    @classmethod
    def load(cls) -> CueLexicon:
        text = resources.files("tonecls").joinpath("cues.tsv").read_text(encoding="utf-8")
        entries = []
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                tone, phrase = line.split("\t", 1)
                entries.append((tone.strip(), phrase.strip()))
        return cls(entries)

    def find(self, tokens: list[Token]) -> list[tuple[str, str]]:
        """One ``(feature, surface)`` per cue found: ``cue_threat`` or ``not_cue_threat``."""
        return [(f, " ".join(t[1] for t in tokens[i : i + n])) for f, i, n in self._matches(tokens)]

    def features(self, tokens: list[Token]) -> list[str]:
        return [f for f, _, _ in self._matches(tokens)]

    def _matches(self, tokens: list[Token]) -> list[tuple[str, str, int]]:
        out = []
        by_first = self._by_first
        starts = self._starts
        for i, (feature, _) in enumerate(tokens):
            if feature not in starts:
                continue
            negated = feature.startswith(NEGATION_PREFIX)
            for key, tones in by_first[feature.removeprefix(NEGATION_PREFIX)]:
                n = len(key)
                if n > 1 and tuple(t[0].removeprefix(NEGATION_PREFIX) for t in tokens[i : i + n]) != key:
                    continue
                for tone in tones:
                    out.append((("not_cue_" if negated else "cue_") + tone, i, n))
        return out
