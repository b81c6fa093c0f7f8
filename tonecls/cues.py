"""A small lexicon of tone signals, as features the regression learns to weigh."""

from __future__ import annotations

from tonecls.resources import CUES, read_pairs
from tonecls.text import NEGATION_PREFIX, Analyzer, Token, WordForms
from tonecls.tones import TONES


class CueLexicon:
    """Stemmed cue phrases per tone; a negated cue is its own feature."""

    def __init__(self, entries: list[tuple[str, str]], forms: WordForms | None = None):
        """``forms``: the stemming of the model's own words, so that a cue's stems are the model's stems."""
        analyzer = Analyzer(negation=False, forms=forms)
        self._phrases: dict[tuple[str, ...], set[str]] = {}
        for tone, phrase in entries:
            if tone not in TONES:
                raise ValueError(f"cue lexicon: unknown tone {tone!r}")
            key = tuple(feature for feature, _ in analyzer.tokens(phrase) if feature)
            self._phrases.setdefault(key, set()).add(tone)
        self._by_first: dict = {}
        for key, tones in sorted(self._phrases.items()):
            self._by_first.setdefault(key[0], []).append((list(key), sorted(tones)))
        self._by_first = {k: (v, max(len(key) for key, _ in v)) for k, v in self._by_first.items()}
        self._starts = set(self._by_first) | {NEGATION_PREFIX + k for k in self._by_first}

    @property
    def phrases(self) -> dict[tuple[str, ...], list[str]]:
        """Each cue phrase as its stems, with the tones it signals (what `find` matches)."""
        return {key: sorted(tones) for key, tones in self._phrases.items()}

    @classmethod
    def load(cls, forms: WordForms | None = None) -> CueLexicon:
        return cls(read_pairs(CUES), forms)

    def find(self, tokens: list[Token]) -> list[tuple[str, str]]:
        """One ``(feature, surface)`` per cue found: ``cue_threat`` or ``not_cue_threat``."""
        return [(f, " ".join(t[1] for t in tokens[i : i + n])) for f, i, n in self._matches(tokens)]

    def features(self, tokens: list[Token]) -> list[str]:
        return [f for f, _, _ in self._matches(tokens)]

    def _matches(self, tokens: list[Token]) -> list[tuple[str, int, int]]:
        starts = self._starts
        out = []
        for i in [i for i, (feature, _) in enumerate(tokens) if feature in starts]:
            first = tokens[i][0]
            negated = first.startswith(NEGATION_PREFIX)
            candidates, longest = self._by_first[first[4:] if negated else first]
            window = [_plain(f) for f, _ in tokens[i : i + longest]] if longest > 1 else None
            for key, tones in candidates:
                n = len(key)
                if n > 1 and window[:n] != key:
                    continue
                for tone in tones:
                    out.append((("not_cue_" if negated else "cue_") + tone, i, n))
        return out


def _plain(feature: str) -> str:
    return feature[4:] if feature.startswith(NEGATION_PREFIX) else feature
