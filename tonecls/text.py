"""Turn a statement into the tokens and features the model weighs.

Everything here uses parts of nltk that need no downloaded data: the
Snowball stemmer and nltk's negation pattern. Words are split with a plain
compiled regular expression: nltk's RegexpTokenizer gives the same tokens
but wraps the pattern in a timer that made tokenizing three times slower on
the scoring path. Per-word work (stemming, negation test, character n-grams)
is cached on the Analyzer, because batch scoring sees the same words again
and again.
"""

from __future__ import annotations

import unicodedata

from nltk.sentiment.util import NEGATION_RE
from nltk.stem.snowball import SnowballStemmer

from tonecls.gazetteer import Gazetteer
from tonecls.words import split_words

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
PUNCT = frozenset(".,;:!?()")
_SCOPE_ENDS = {"but", "however", "while", "whereas"}
NEGATION_PREFIX = "not_"
NEGATION_SCOPE = 3
BREAK = ""

# A token is a pair (feature, surface); punctuation has the feature BREAK.
Token = tuple[str, str]


def normalise(text: str) -> str:
    """Fold typographic variants so that "it’s" and "it's" are one word."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split())


def is_placeholder(feature: str) -> bool:
    return feature.startswith("__")


class Analyzer:
    """Statement text to tokens, word n-grams and character n-grams."""

    def __init__(
        self,
        *,
        stem: bool = True,
        negation: bool = True,
        mask_actors: bool = False,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = None,
        gazetteer: Gazetteer | None = None,
    ):
        self.stem = stem
        self.negation = negation
        self.mask_actors = mask_actors
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = None if char_ngrams is None else tuple(char_ngrams)
        if gazetteer is None and mask_actors:
            gazetteer = Gazetteer.load()
        self._gazetteer = gazetteer
        self._stemmer = SnowballStemmer("english")
        self._words: dict[str, tuple[str, int]] = {}
        self._chars: dict[str, list[str]] = {}

    def words(self, text: str) -> list[str]:
        return split_words(normalise(text))

    def _word(self, surface: str) -> tuple[Token, int]:
        """(token, kind) of a word: kind 0 plain, 1 negator, 2 scope end, 3 punctuation."""
        low = surface.lower()
        if low in PUNCT:
            info = ((BREAK, surface), 3)
        elif low in _SCOPE_ENDS:
            info = ((low, surface), 2)
        else:
            feature = self._stemmer.stem(low) if self.stem else low
            info = ((feature, surface), 1 if self.negation and NEGATION_RE.search(low) else 0)
        if len(self._words) > 500_000:
            self._words.clear()
        self._words[surface] = info
        return info

    def tokens(self, text: str) -> list[Token]:
        """Tokens after masking, lower-casing, negation marking and stemming."""
        words = self.words(text)
        mask = self._gazetteer.mask(words) if self._gazetteer is not None else None
        known = self._words
        out: list[Token] = []
        scope = 0
        for i, surface in enumerate(words):
            if mask is not None and mask[i] is not None:
                if mask[i]:
                    out.append((mask[i], f"[{mask[i].strip('_')}]"))
                    scope = max(scope - 1, 0)
                continue
            token, kind = known.get(surface) or self._word(surface)
            if kind == 0 and not scope:
                out.append(token)
            elif kind >= 2:
                scope = 0
                out.append(token)
            else:
                if scope:
                    token = (NEGATION_PREFIX + token[0], surface)
                    scope -= 1
                if kind == 1:
                    scope = NEGATION_SCOPE
                out.append(token)
        return out

    def word_grams(self, tokens: list[Token]) -> list[tuple[str, str]]:
        """Word n-grams that do not cross punctuation, each with its surface words."""
        low, high = self.word_ngrams
        out: list[tuple[str, str]] = []
        prev: list[Token] = []
        for token in tokens:
            if token[0] == BREAK:
                prev = []
                continue
            prev.append(token)
            for n in range(low, min(high, len(prev)) + 1):
                gram = prev[-n:]
                out.append((" ".join(t[0] for t in gram), " ".join(t[1] for t in gram)))
        return out

    def word_gram_features(self, tokens: list[Token]) -> list[str]:
        """The same features as word_grams without surfaces: the fast path for scoring."""
        low, high = self.word_ngrams
        feats = [t[0] for t in tokens]
        out: list[str] = [f for f in feats if f] if low == 1 else []
        if low <= 2 <= high:
            out.extend([a + " " + b for a, b in zip(feats, feats[1:], strict=False) if a and b])
        for n in range(max(low, 3), high + 1):
            for i in range(len(feats) - n + 1):
                gram = feats[i : i + n]
                if all(gram):
                    out.append(" ".join(gram))
        return out

    def char_grams(self, tokens: list[Token]) -> list[tuple[str, str]]:
        """Character n-grams inside each word (padded with spaces), as sklearn's char_wb."""
        if self.char_ngrams is None:
            return []
        return [(g, surface) for feature, surface in tokens if feature for g in self.word_chars(feature, surface)]

    def word_chars(self, feature: str, surface: str) -> list[str]:
        word = feature if is_placeholder(feature) else surface.lower()
        grams = self._chars.get(word)
        if grams is None:
            low, high = self.char_ngrams
            padded = f" {word} "
            grams = [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]
            if len(self._chars) > 200_000:
                self._chars.clear()
            self._chars[word] = grams
        return grams
