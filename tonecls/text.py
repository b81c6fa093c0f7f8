"""Turn a statement into the tokens and features the model weighs.

Words are stemmed and tested for negation by `WordForms`: a model being
trained uses nltk's Snowball stemmer and negation pattern (no downloaded data
needed) and records every word it reduces; a loaded model looks its words up
in the table its file stores and never imports nltk, whose package import
alone costs more than a whole `tonecls classify` otherwise. Words are split
with a plain compiled regular expression: nltk's RegexpTokenizer gives the
same tokens but wraps the pattern in a timer that made tokenizing three times
slower on the scoring path. Per-word work (stemming, negation test, character
n-grams) is cached on the Analyzer, because batch scoring sees the same words
again and again; the caches are left out when a model is pickled.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterable
from itertools import chain

from tonecls.gazetteer import Gazetteer
from tonecls.words import split_words

_QUOTE_PAIRS = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-"))
PUNCT = frozenset(".,;:!?()")
_SCOPE_ENDS = {"but", "however", "while", "whereas"}
NEGATION_PREFIX = "not_"
NEGATION_SCOPE = 3
BREAK = ""

# A token is a pair (feature, surface); punctuation has the feature BREAK.
Token = tuple[str, str]


def normalise(text: str) -> str:
    """Fold typographic variants so that "it’s" and "it's" are one word."""
    text = unicodedata.normalize("NFKC", text)
    for old, new in _QUOTE_PAIRS:  # as .translate(_QUOTES), which looks up every character: several times slower
        if old in text:
            text = text.replace(old, new)
    return " ".join(text.split())


def is_placeholder(feature: str) -> bool:
    return feature.startswith("__")


# The negation rule, written for tonecls (tests/test_word_forms.py checks that it marks exactly the words
# nltk's NEGATION_RE marks): a plain negative, an auxiliary's contraction written without its apostrophe
# ("dont", "cant"), or any word holding "n't".
_PLAIN_NEGATIVES = frozenset({"no", "not", "never", "none", "nothing", "nowhere", "noone"})
_AUXILIARIES = ("have", "has", "had", "ca", "could", "should", "wo", "would", "do", "does", "did", "is", "are", "ai")
NEGATORS = _PLAIN_NEGATIVES | {aux + "nt" for aux in _AUXILIARIES}


def negation_rule(word: str) -> bool:
    """Whether a lower-cased word negates what follows it: "not", "never", "don't", "cant", "isn't"..."""
    return word in NEGATORS or "n't" in word


MAX_CACHED = 500_000  # pieces of text whose words an Analyzer remembers
MAX_RECORDED = 500_000  # words a training WordForms remembers (a corpus's vocabulary is far smaller)


class WordForms:
    """A word's stem and whether it is a negator, the same at training and at scoring time.

    Without ``stems`` (a model being trained) it is exact: nltk's Snowball
    stemmer and NEGATION_RE, imported on first use, and every word reduced
    is recorded, so that the model file can store the table. With ``stems``
    (a loaded model) words are looked up there; a word no training text held
    is stemmed with PyStemmer (the Snowball algorithm in C; its current
    revision differs from nltk's on about 0.2% of words, which is why the
    training words are looked up) and tested with `negation_rule`. nltk is
    never imported then.
    """

    def __init__(self, stems: dict[str, str] | None = None, negators: Iterable[str] = ()):
        self.exact = stems is None
        self.stems: dict[str, str] = {} if stems is None else dict(stems)
        self.negators: set[str] = set(negators)
        self._local = threading.local()  # PyStemmer's stemmers must not be shared between threads

    def __getstate__(self) -> dict:
        return {"exact": self.exact, "stems": self.stems, "negators": self.negators}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def stem(self, word: str) -> str:
        """The stem of a lower-cased word."""
        found = self.stems.get(word)
        if found is not None:
            return found
        stem = self._stemmer()(word)
        if self.exact and len(self.stems) < MAX_RECORDED:
            self.stems[word] = stem
        return stem

    def is_negator(self, word: str) -> bool:
        """Whether a lower-cased word starts a negation's scope."""
        if word in self.negators:
            return True
        if not self.exact:
            return negation_rule(word)
        from nltk.sentiment.util import NEGATION_RE

        found = NEGATION_RE.search(word) is not None
        if found and len(self.negators) < MAX_RECORDED:
            self.negators.add(word)
        return found

    def _stemmer(self) -> Callable[[str], str]:
        stem = getattr(self._local, "stem", None)
        if stem is None:
            stem = self._local.stem = _exact_stemmer() if self.exact else _fast_stemmer()
        return stem


def _exact_stemmer() -> Callable[[str], str]:
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english").stem


def _fast_stemmer() -> Callable[[str], str]:
    """PyStemmer's English stemmer without its own cache (the Analyzer caches words); nltk's where it is missing."""
    try:
        import Stemmer
    except ImportError:
        return _exact_stemmer()
    return Stemmer.Stemmer("english", 0).stemWord


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
        forms: WordForms | None = None,
    ):
        self.stem = stem
        self.negation = negation
        self.mask_actors = mask_actors
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = None if char_ngrams is None else tuple(char_ngrams)
        if gazetteer is None and mask_actors:
            gazetteer = Gazetteer.load()
        self._gazetteer = gazetteer
        self.forms = WordForms() if forms is None else forms
        self._words: dict[str, tuple[str, int]] = {}
        self._chars: dict[str, list[str]] = {}
        self._pieces: dict[str, tuple[str, ...]] = {}  # white-space-free piece of ASCII text -> its words

    def __getstate__(self) -> dict:
        """Without the per-word caches: a pickled model (sent to a worker) stays the size of its file."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_words", "_chars", "_pieces")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._words = {}
        self._chars = {}
        self._pieces = {}

    def words(self, text: str) -> list[str]:
        """The words of ``text`` as `split_words(normalise(text))` gives them.

        An ASCII text needs no normalising (NFKC and the quote folding change only other characters). No word
        or possessive spans white space, so the text is split at white space and each piece's words are
        looked up in a cache: batch scoring sees the same pieces again and again.
        """
        if not text.isascii():
            text = normalise(text)
        pieces = self._pieces
        if len(pieces) > MAX_CACHED:
            pieces.clear()
        found = list(map(pieces.get, text.split()))
        if None in found:
            found = [pieces[p] if p in pieces else self._piece(p) for p in text.split()]
        return list(chain.from_iterable(found))

    def _piece(self, piece: str) -> tuple[str, ...]:
        words = self._pieces[piece] = tuple(split_words(piece))
        return words

    @property
    def gazetteer(self) -> Gazetteer | None:
        """The names it masks (None when it masks none)."""
        return self._gazetteer

    def word_info(self, surface: str) -> tuple[Token, int]:
        """(token, kind) of one word as `tokens` sees it: kind 0 plain, 1 negator, 2 scope end, 3 punctuation."""
        return self._words.get(surface) or self._word(surface)

    def _word(self, surface: str) -> tuple[Token, int]:
        """(token, kind) of a word: kind 0 plain, 1 negator, 2 scope end, 3 punctuation."""
        low = surface.lower()
        if low in PUNCT:
            info = ((BREAK, surface), 3)
        elif low in _SCOPE_ENDS:
            info = ((low, surface), 2)
        else:
            feature = self.forms.stem(low) if self.stem else low
            info = ((feature, surface), 1 if self.negation and self.forms.is_negator(low) else 0)
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
