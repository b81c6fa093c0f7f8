"""The feature space of a model: texts to its weighted TF-IDF matrix, with numpy and scipy.sparse alone.

One home for the feature computation (analysis, word n-grams, cue features, character n-grams,
vocabulary look-up, TF-IDF weighting): the scikit-learn transformer `tonecls.model.ToneFeatures` fits the
vocabularies and delegates to a `FeatureSpace`, and the scorer `tonecls.predictor.TonePredictor` holds one
loaded from a model file. Nothing here imports scikit-learn, so scoring starts fast.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy import sparse

from tonecls.coverage import piece_counts
from tonecls.cues import CueLexicon
from tonecls.settings import ANALYSIS_PARAMS
from tonecls.text import BREAK, NEGATION_PREFIX, NEGATION_SCOPE, Analyzer, Token, WordForms, normalise
from tonecls.words import split_words

__all__ = ["Analysed", "Analysis", "Block", "FeatureSpace", "fit_blocks", "texts_of"]


@dataclass
class Block:
    """One feature block: a vocabulary and its idf weights."""

    name: str
    vocabulary: dict[str, int]
    idf: np.ndarray
    weight: float = 1.0
    display: list[str] | None = None

    @property
    def terms(self) -> list[str]:
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)


class Analysed:
    """A text analysed once: its feature counts per block and the words behind its word features.

    Training fits features on many folds of the same texts; analysing each text once and passing these
    objects as X (a list, which scikit-learn indexes like the texts) saves re-analysing it per fold. A
    feature space uses them only when they were made with its own analysis settings (``key``), else it
    analyses ``text`` again.
    """

    __slots__ = ("text", "key", "counts", "surfaces", "forms")

    def __init__(
        self, text: str, key: tuple, counts: dict[str, Counter], surfaces: Counter, forms: WordForms | None = None
    ):
        self.text = text
        self.key = key
        self.counts = counts
        self.surfaces = surfaces
        self.forms = forms  # the stemming that saw its words: a model fitted on it stores their stems

    def __repr__(self) -> str:
        return f"Analysed({self.text[:40]!r})"


def texts_of(X: object) -> list:
    """X as a list of texts (or Analysed texts); a bare string is refused, as scikit-learn's vectorizers do."""
    if isinstance(X, str | bytes):
        raise ValueError("ToneFeatures expects a sequence of texts, not a single string")
    items = list(X)
    for item in items:
        if not isinstance(item, str | Analysed):
            raise ValueError(f"ToneFeatures expects texts, got {type(item).__name__}")
    return items


class Analysis:
    """How texts are analysed under a model's feature parameters: the analyser and each block's extractors.

    Built from the parameters (and, for a fitted model, its stem table); it holds the per-word caches, so
    one is shared by everything that analyses with the same settings.
    """

    def __init__(self, params: Mapping, forms: WordForms | None = None):
        self.key = tuple(params[name] for name in ANALYSIS_PARAMS)
        self.analyzer = Analyzer(
            stem=params["stem"],
            negation=params["negation"],
            mask_actors=params["mask_actors"],
            word_ngrams=params["word_ngrams"],
            char_ngrams=params["char_ngrams"],
            forms=forms,
        )
        self.forms = self.analyzer.forms  # a fitted model's stem table, or (training) nltk, recording each word
        self.cues = CueLexicon.load(self.forms) if params["cues"] else None  # the cues' stems are the model's
        # Each block: (features with their surface words, features alone: the fast path).
        self.extractors = {"word": (self.analyzer.word_grams, self.analyzer.word_gram_features)}
        if params["char_ngrams"] is not None:
            self.extractors["char"] = (self.analyzer.char_grams, self._char_features)
        if self.cues is not None:
            self.extractors["cue"] = (self.cues.find, self.cues.features)

    def _char_features(self, tokens: list[Token]) -> list[str]:
        chars = self.analyzer.word_chars
        return [g for feature, surface in tokens if feature for g in chars(feature, surface)]

    def analyse(self, texts: Iterable[str | Analysed]) -> list[Analysed]:
        """Each text's feature counts per block and the words behind its word features, computed once."""
        out = []
        for text in texts:
            if isinstance(text, Analysed):
                if text.key == self.key:
                    out.append(text)
                    continue
                text = text.text
            tokens = self.analyzer.tokens(text)
            counts: dict[str, Counter] = {}
            surfaces: Counter = Counter()
            for name, (with_surface, fast) in self.extractors.items():
                if name == "word":
                    pairs = with_surface(tokens)
                    counts[name] = Counter(f for f, _ in pairs)
                    surfaces.update((f, s.lower()) for f, s in pairs)
                else:
                    counts[name] = Counter(fast(tokens))
            out.append(Analysed(text, self.key, counts, surfaces, self.forms))
        return out


def fit_blocks(
    docs: Sequence[Analysed], names: Iterable[str], min_df: int, weights: Mapping[str, float]
) -> list[Block]:
    """Each block's vocabulary (terms in at least ``min_df`` texts; any cue) and smooth idf weights."""
    if not docs:
        raise ValueError("ToneFeatures needs at least one text to fit")
    surfaces: dict[str, Counter] = {}
    for doc in docs:
        for (feature, surface), n in doc.surfaces.items():
            surfaces.setdefault(feature, Counter())[surface] += n
    blocks = []
    for name in names:
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.counts[name].keys())
        least = 1 if name == "cue" else min_df
        terms = sorted(t for t, n in df.items() if n >= least)
        idf = np.log((1 + len(docs)) / (1 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
        display = [_display_name(t, surfaces.get(t)) for t in terms] if name == "word" else None
        blocks.append(Block(name, {t: i for i, t in enumerate(terms)}, idf, weights[name], display))
    return blocks


def _display_name(term: str, surfaces: Counter | None) -> str:
    """The commonest words behind a feature; words inside a negation's scope are marked "not·"."""
    if not surfaces:
        return term
    words = min(surfaces.items(), key=lambda kv: (-kv[1], kv[0]))[0].split(" ")
    marks = ["not·" if part.startswith("not_") else "" for part in term.split(" ")]
    return " ".join(m + w for m, w in zip(marks, words, strict=False))


MAX_CHAR_CACHE = 200_000  # words whose character n-gram columns are remembered


class FeatureSpace:
    """Fitted blocks and the analysis that feeds them: texts to the weighted TF-IDF matrix.

    Each block's rows are sublinear (or raw) tf times idf, L2-normalised and scaled by the block's weight;
    the blocks are stacked side by side in order.
    """

    def __init__(self, analysis: Analysis, blocks: list[Block], sublinear_tf: bool = True):
        self.analysis = analysis
        self.blocks = blocks
        self.sublinear_tf = sublinear_tf
        self.char_columns: dict[str, list[int]] = {}  # per word, its character n-gram columns (scoring cache)
        self._index: WordIndex | None = None  # built on first use: `classify` of one statement need not wait

    def __getstate__(self) -> dict:
        """Without the per-word caches: a pickled model stays the size of its file, however much it scored."""
        return {**self.__dict__, "char_columns": {}, "_index": None}

    @property
    def index(self) -> WordIndex | None:
        """The id-based scoring path, where it gives exactly the string path's columns (see `WordIndex`)."""
        if self._index is None and WordIndex.usable(self.analysis, self.blocks):
            self._index = WordIndex(self.analysis, self.blocks)
        return self._index

    @property
    def width(self) -> int:
        return sum(len(b.vocabulary) for b in self.blocks)

    # -- transforming ---------------------------------------------------
    def transform(self, X: Sequence[str | Analysed]) -> sparse.csr_matrix:
        """The weighted tf-idf matrix of X, one row per text (texts, or texts analysed with these settings)."""
        key = self.analysis.key
        if len(X) and all(isinstance(doc, Analysed) and doc.key == key for doc in X):
            return self.matrix(X)
        return self.transform_texts([doc.text if isinstance(doc, Analysed) else doc for doc in X])

    def matrix(self, docs: Sequence[Analysed]) -> sparse.csr_matrix:
        """The matrix of analysed texts (training path)."""
        mats = []
        for block in self.blocks:
            rows: list[int] = []
            cols: list[int] = []
            vocab = block.vocabulary
            for r, doc in enumerate(docs):
                for term, n in doc.counts[block.name].items():
                    j = vocab.get(term)
                    if j is not None:
                        rows.extend([r] * n)
                        cols.extend([j] * n)
            x = sparse.csr_matrix(
                (np.ones(len(cols)), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
                shape=(len(docs), len(vocab)),
            )
            x.sum_duplicates()
            mats.append(self.weigh(block, x))
        return _stack(mats)

    def transform_texts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The matrix of raw texts: the scoring path.

        Word and cue features map straight to columns. Character n-grams are
        counted per word type once: a documents x word-types matrix times a
        word-types x n-grams matrix gives the counts without a Python loop
        over every n-gram.
        """
        index = self.index
        if index is not None:
            counts = index.counts(texts)
            return _stack([self.weigh(block, counts[block.name]) for block in self.blocks])
        return self._string_path(texts)

    def transform_with_coverage(self, texts: Sequence[str]) -> tuple[sparse.csr_matrix, np.ndarray | None]:
        """`transform_texts`, and per text its known words and words packed (`tonecls.coverage`), counted on
        the pieces of text the id path splits anyway; None where that path or a word table is missing."""
        index = self.index
        if index is None or index.known is None:
            return self.transform_texts(texts), None
        counts = index.counts(texts, coverage=True)
        return _stack([self.weigh(block, counts[block.name]) for block in self.blocks]), counts["coverage"]

    def _string_path(self, texts: Sequence[str]) -> sparse.csr_matrix:
        analysis = self.analysis
        names = [b.name for b in self.blocks]
        cols: dict[str, list[int]] = {n: [] for n in names}
        ptrs: dict[str, list[int]] = {n: [0] for n in names}
        fast = {n: analysis.extractors[n][1] for n in names}
        vocabs = {b.name: b.vocabulary for b in self.blocks}
        for text in texts:
            tokens = analysis.analyzer.tokens(text)
            for name in names:
                if name == "char":
                    cols[name].extend([s for f, s in tokens if f])
                else:
                    cols[name].extend([j for j in map(vocabs[name].get, fast[name](tokens)) if j is not None])
                ptrs[name].append(len(cols[name]))
        word_ids: dict[str, int] = {}
        if "char" in cols:
            surfaces = cols["char"]
            word_ids = {s: i for i, s in enumerate(dict.fromkeys(surfaces))}
            cols["char"] = list(map(word_ids.__getitem__, surfaces))
        mats = []
        for block in self.blocks:
            width = len(word_ids) if block.name == "char" else len(block.vocabulary)
            counts = _counts(cols[block.name], ptrs[block.name], width)
            if block.name == "char":
                counts = counts @ self._char_matrix(block, word_ids)
            mats.append(self.weigh(block, counts.tocsr()))
        return _stack(mats)

    def _char_matrix(self, block: Block, word_ids: dict[str, int]) -> sparse.csr_matrix:
        """Words (surface forms, in ``word_ids`` order) x character n-gram columns, from a per-word cache."""
        cache = self.char_columns
        if len(cache) > MAX_CHAR_CACHE:
            cache.clear()
        vocab = block.vocabulary
        analyzer = self.analysis.analyzer
        cols: list[int] = []
        ptr = [0]
        for surface in word_ids:
            found = cache.get(surface)
            if found is None:
                feature = f"__{surface[1:-1]}__" if surface.startswith("[") else surface
                grams = analyzer.word_chars(feature, surface)
                found = cache[surface] = [j for j in map(vocab.get, grams) if j is not None]
            cols.extend(found)
            ptr.append(len(cols))
        x = sparse.csr_matrix(
            (np.ones(len(cols)), np.asarray(cols, dtype=np.int32), np.asarray(ptr, dtype=np.int64)),
            shape=(len(word_ids), len(vocab)),
        )
        x.sum_duplicates()
        return x

    def weigh(self, block: Block, x: sparse.csr_matrix) -> sparse.csr_matrix:
        """Counts to sublinear tf x idf, each row L2-normalised and scaled by the block weight."""
        x = x.astype(np.float64)
        if self.sublinear_tf:
            x.data = 1.0 + np.log(x.data)
        x.data *= block.idf[x.indices]
        n_docs = x.shape[0]
        row_of = np.repeat(np.arange(n_docs), np.diff(x.indptr))
        norms = np.sqrt(np.bincount(row_of, weights=x.data * x.data, minlength=n_docs))
        norms[norms == 0] = 1.0
        x.data *= block.weight / norms[row_of]
        return x

    # -- names ----------------------------------------------------------
    def feature_names_out(self) -> np.ndarray:
        """Each column's term, prefixed by its block: "word:condemn", "char:ond", "cue:cue_threat"."""
        return np.asarray([f"{b.name}:{t}" for b in self.blocks for t in b.terms], dtype=object)

    def feature_names(self) -> list[str]:
        """Readable names: the commonest words behind a word feature, "[country]", "cue: threat"."""
        names = []
        for block in self.blocks:
            if block.display is not None:
                names.extend(block.display)
            elif block.name == "char":
                names.extend(f"chars '{t}'" for t in block.terms)
            elif block.name == "cue":
                names.extend(
                    ("negated " if t.startswith("not_") else "") + "cue: " + t.split("cue_")[1] for t in block.terms
                )
            else:
                names.extend(block.terms)
        return names

    def columns_with_surface(self, text: str) -> list[tuple[int, str]]:
        """Column index and surface words of every known feature in one text (what evidence sums over)."""
        analysis = self.analysis
        tokens = analysis.analyzer.tokens(text)
        out = []
        offset = 0
        for block in self.blocks:
            for feature, surface in analysis.extractors[block.name][0](tokens):
                j = block.vocabulary.get(feature)
                if j is not None:
                    out.append((offset + j, surface))
            offset += len(block.vocabulary)
        return out


def _counts(cols: list[int], ptr: list[int], width: int) -> sparse.csr_matrix:
    indices = np.asarray(cols, dtype=np.int32)
    data = np.ones(len(indices))
    x = sparse.csr_matrix((data, indices, np.asarray(ptr, dtype=np.int64)), shape=(len(ptr) - 1, width))
    x.sum_duplicates()
    return x


def _stack(mats: list[sparse.csr_matrix]) -> sparse.csr_matrix:
    return sparse.hstack(mats, format="csr") if len(mats) > 1 else mats[0]


# Kinds of a word record: `Analyzer.word_info`'s (0 plain, 1 negator, 2 scope end, 3 punctuation), and a name.
NEGATOR, SCOPE_END, PUNCTUATION, NAME = 1, 2, 3, 4
MAX_WORD_CACHE = 500_000  # surface words whose feature ids are remembered (a corpus's vocabulary is far smaller)


class WordIndex:
    """The scoring path of the word and cue blocks, on integer ids instead of n-gram strings.

    Every string that can take part in a known feature (the words of the word block's n-grams, the cue
    phrases' stems, and those with the negation prefix) gets an id. Each word seen gets a record (its
    kind, its token's id and its id when negated; a one-word name's record is its placeholder's), and
    each white-space piece of text the records of its words, both cached. A batch of statements becomes
    one array of records; the negation scope is found with numpy over it, giving one id per token (-1 for
    punctuation and for a word no feature holds); word n-grams and cue phrases are integer keys looked up
    in sorted arrays. No n-gram string is built, and per statement the Python work is a few C-level calls,
    plus a name search where the first two words of a longer name occur. The columns are exactly those the
    string path (`Analysis.extractors`, `Analyzer.tokens`) finds: tests/test_predictor.py compares the two
    on generated text.
    """

    def __init__(self, analysis: Analysis, blocks: list[Block]):
        self.analyzer = analysis.analyzer
        self.gazetteer = analysis.analyzer.gazetteer
        self.low, self.high = analysis.analyzer.word_ngrams
        word = next(b for b in blocks if b.name == "word")
        self.word_width = len(word.vocabulary)
        parts: dict[str, int] = {}
        grams = [term.split(" ") for term in word.vocabulary]
        for gram in grams:
            for part in gram:
                parts.setdefault(part, len(parts))
        cues = analysis.cues.phrases if analysis.cues is not None and any(b.name == "cue" for b in blocks) else {}
        for key in cues:
            for part in key:
                parts.setdefault(part, len(parts))
                parts.setdefault(NEGATION_PREFIX + part, len(parts))
        parts.pop(BREAK, None)  # punctuation is never part of a feature
        self.parts = parts
        self.base = max(len(parts), 1)
        # Per n, the vocabulary's n-grams as sorted integer keys and their columns.
        self.grams: dict[int, tuple[_Tables, np.ndarray]] = {}
        for n in range(self.low, self.high + 1):
            found = [
                (self._key([parts[p] for p in gram]), word.vocabulary[" ".join(gram)])
                for gram in grams
                if len(gram) == n and BREAK not in gram
            ]
            keys = np.array([k for k, _ in found], dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            self.grams[n] = (_Tables(keys[order], n, self.base), np.array([c for _, c in found], dtype=np.int64)[order])
        self.cue_block = next((b for b in blocks if b.name == "cue"), None)
        self._cue_setup(cues)
        self.lone_names = self.gazetteer.lone_names() if self.gazetteer is not None else {}
        self.pairs = self.gazetteer.first_pairs() if self.gazetteer is not None else {}
        self.seconds_of: dict[str, list[str]] = {}
        for first, seconds in self.pairs.items():
            for second in seconds:
                self.seconds_of.setdefault(second, []).append(first)
        forms = analysis.forms
        self.known = None if forms.exact else forms.stems  # the words training saw (`tonecls.coverage`)
        self._lock = threading.Lock()
        self._forget()

    @staticmethod
    def usable(analysis: Analysis, blocks: list[Block]) -> bool:
        """Whether ids give exactly the string path's columns: word (and cue) blocks only, n-gram keys that fit
        in 63 bits, and no stem holding a space (it could pose as an n-gram)."""
        if not blocks or blocks[0].name != "word" or any(b.name not in ("word", "cue") for b in blocks):
            return False
        words = blocks[0].vocabulary
        parts = len({p for term in words for p in term.split(" ")})
        if analysis.cues is not None:
            parts += 2 * sum(len(k) for k in analysis.cues.phrases)
        if parts ** analysis.analyzer.word_ngrams[1] >= 2**62:
            return False
        return not any(" " in stem for stem in analysis.forms.stems.values())

    def _key(self, ids: list[int]) -> int:
        key = 0
        for i in ids:
            key = key * self.base + i
        return key

    def _cue_setup(self, cues: dict[tuple[str, ...], list[str]]) -> None:
        """Cue phrases by the id of their first stem; each id's plain id (no negation prefix) and negation."""
        parts = self.parts
        # Index -1 (a token no feature holds) reads the last entry: -1 and not negated.
        self.plain_of = np.full(len(parts) + 1, -1, dtype=np.int64)
        self.negated = np.zeros(len(parts) + 1, dtype=bool)
        for text, i in parts.items():
            neg = text.startswith(NEGATION_PREFIX)
            self.negated[i] = neg
            self.plain_of[i] = parts.get(text[len(NEGATION_PREFIX) :] if neg else text, -1)
        vocab = self.cue_block.vocabulary if self.cue_block is not None else {}
        # Per phrase length n: the phrases' keys (of their plain ids), sorted, and per key and tone slot the
        # column of the cue feature and of its negated form (-1: none). A phrase too long for a 63-bit key is
        # keyed by its first `prefix` ids and checked whole on the (few) statements where that prefix occurs.
        self.prefix = max(1, self.high)
        while self.base ** (self.prefix + 1) < 2**62:
            self.prefix += 1
        self.cue_keys: dict[int, tuple[_Tables, np.ndarray, np.ndarray]] = {}
        self.long_cues: dict[int, tuple[_Tables, dict[int, list[tuple[tuple[int, ...], list[int], list[int]]]]]] = {}
        slots = max((len(t) for t in cues.values()), default=0)
        for n in sorted({len(key) for key in cues}):
            phrases = sorted(
                (
                    [parts[p] for p in key],
                    [vocab.get(f"cue_{t}", -1) for t in tones],
                    [vocab.get(f"not_cue_{t}", -1) for t in tones],
                )
                for key, tones in cues.items()
                if len(key) == n
            )
            if n > self.prefix:
                by_prefix: dict[int, list] = {}
                for key, plain_cols, negated_cols in phrases:
                    by_prefix.setdefault(self._key(key[: self.prefix]), []).append(
                        (tuple(key), plain_cols, negated_cols)
                    )
                self.long_cues[n] = (
                    _Tables(np.array(sorted(by_prefix), dtype=np.int64), self.prefix, self.base),
                    by_prefix,
                )
                continue
            plain = np.full((len(phrases), slots), -1, dtype=np.int64)
            negated = np.full((len(phrases), slots), -1, dtype=np.int64)
            for row, (_, plain_cols, negated_cols) in enumerate(phrases):
                plain[row, : len(plain_cols)] = plain_cols
                negated[row, : len(negated_cols)] = negated_cols
            keys = np.array([self._key(key) for key, _, _ in phrases], dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            self.cue_keys[n] = (_Tables(keys[order], n, self.base), plain[order], negated[order])

    # -- words to ids ------------------------------------------------------
    def _forget(self) -> None:
        """Empty the per-word records; record 0 ends a statement (it breaks n-grams, cues and negation)."""
        self.records: dict[str, int] = {}  # surface word (or NUL + placeholder) -> its record
        self.pieces: dict[str, tuple[int, ...]] = {}  # white-space-free piece of text -> its words' records
        self.piece_words: dict[str, tuple[str, ...]] = {}  # the same pieces -> their words
        self.piece_cover: dict[str, int] = {}  # the same pieces -> their known words and words, packed
        # Names of several words, on records: the records of their first words, and per first word's record
        # the records of the words seen so far that can come second after it.
        self.first_records: set[int] = set()
        self.second_records: dict[int, set[int]] = {}
        self.kinds = np.full(1024, PUNCTUATION, dtype=np.int8)  # per record: `Analyzer.word_info`'s kind, or NAME
        self.fids = np.full(1024, -1, dtype=np.int64)  # per record: its token's id
        self.negated_fids = np.full(1024, -1, dtype=np.int64)  # per record: its token's id inside a negation
        self.size = 1

    def _record(self, kind: int, fid: int, nfid: int) -> int:
        r = self.size
        if r == len(self.kinds):  # grow by doubling: words keep coming in open-domain text
            self.kinds = np.concatenate([self.kinds, np.full(r, PUNCTUATION, dtype=np.int8)])
            self.fids = np.concatenate([self.fids, np.full(r, -1, dtype=np.int64)])
            self.negated_fids = np.concatenate([self.negated_fids, np.full(r, -1, dtype=np.int64)])
        self.kinds[r], self.fids[r], self.negated_fids[r] = kind, fid, nfid
        self.size = r + 1
        return r

    def _learn(self, surface: str) -> int:
        """The record of a word not seen before: its kind and its token's ids (a one-word name: its placeholder's)."""
        (feature, _), kind = self.analyzer.word_info(surface)
        if surface in self.lone_names:  # a one-word name: its placeholder, unless a longer name holds it
            r = self._record(NAME, self.parts.get(self.lone_names[surface], -1), -1)
        elif feature == BREAK:
            r = self._record(kind, -1, -1)
        else:
            r = self._record(kind, self.parts.get(feature, -1), self.parts.get(NEGATION_PREFIX + feature, -1))
        self.records[surface] = r
        if surface in self.pairs:
            self.first_records.add(r)
            self.second_records[r] = {self.records[w] for w in self.pairs[surface] if w in self.records}
        for first in self.seconds_of.get(surface, ()):
            if first in self.records:
                self.second_records[self.records[first]].add(r)
        return r

    def _learn_piece(self, piece: str) -> tuple[int, ...]:
        words = self.piece_words[piece] = tuple(split_words(piece))
        if self.known is not None:
            self.piece_cover[piece] = piece_counts(words, self.known)
        found = self.pieces[piece] = tuple(self.records[w] if w in self.records else self._learn(w) for w in words)
        return found

    def _placeholder(self, placeholder: str) -> int:
        key = "\0" + placeholder  # no word holds a NUL
        r = self.records.get(key)
        if r is None:
            r = self.records[key] = self._record(NAME, self.parts.get(placeholder, -1), -1)
        return r

    def word_records(self, text: str, covers: list[int] | None = None) -> list[int]:
        """One record per token of ``text`` (after masking: a name is one token, its placeholder).

        The text is cut at white space (after normalising, if it is not ASCII: see `Analyzer.words`) and
        each piece's words and records come from a cache; the words themselves are only needed where a
        name of several words may be.
        """
        pieces = (text if text.isascii() else normalise(text)).split()
        found = list(map(self.pieces.get, pieces))
        if None in found:
            found = [self.pieces[p] if p in self.pieces else self._learn_piece(p) for p in pieces]
        if covers is not None:  # the text's known words and words (see `WordCoverage`), from the same pieces
            covers.append(sum(map(self.piece_cover.__getitem__, pieces)))
        records = list(chain.from_iterable(found))
        firsts = self.first_records.intersection(records)
        if firsts and any(not self.second_records[r].isdisjoint(records) for r in firsts):
            words = list(chain.from_iterable(map(self.piece_words.__getitem__, pieces)))
            for i, n, placeholder in reversed(self.gazetteer.spans(words)):
                records[i : i + n] = [self._placeholder(placeholder)]
        return records

    def token_ids(self, records: np.ndarray) -> np.ndarray:
        """Each token's id, negated where `Analyzer.tokens` marks it: a plain word or negator within
        NEGATION_SCOPE tokens after the last negator before it, with no scope end or punctuation between."""
        kinds = self.kinds[records]
        pos = np.arange(len(records), dtype=np.int64)
        last_negator = np.maximum.accumulate(np.where(kinds == NEGATOR, pos, -1))
        last_break = np.maximum.accumulate(np.where((kinds == SCOPE_END) | (kinds == PUNCTUATION), pos, -1))
        before_negator = np.concatenate(([-1], last_negator[:-1]))
        before_break = np.concatenate(([-1], last_break[:-1]))
        negated = (
            (kinds <= NEGATOR)
            & (before_negator >= 0)
            & (pos - before_negator <= NEGATION_SCOPE)
            & (before_break < before_negator)
        )
        return np.where(negated, self.negated_fids[records], self.fids[records])

    # -- ids to columns ----------------------------------------------------
    def counts(self, texts: Sequence[str], *, coverage: bool = False) -> dict:
        """Each block's documents x columns count matrix for ``texts``.

        One batch at a time: the server scores from many threads, and two threads numbering new words at
        once would give two words one record (the work is Python under the GIL: a lock costs little).
        With ``coverage`` (and a model with a word table) the dict also holds ``"coverage"``: per text, its
        known words and words packed as `tonecls.coverage.WordCoverage` packs them.
        """
        with self._lock:
            return self._counts(texts, coverage and self.known is not None)

    def _counts(self, texts: Sequence[str], coverage: bool = False) -> dict:
        if len(self.records) > MAX_WORD_CACHE:  # between batches, so that a batch's words stay known
            self._forget()
        flat: list[int] = []
        lengths: list[int] = []
        covers: list[int] | None = [] if coverage else None
        for text in texts:
            records = self.word_records(text, covers)
            flat.extend(records)
            flat.append(0)  # no n-gram, cue or negation crosses from one text into the next
            lengths.append(len(records) + 1)
        ids = self.token_ids(np.array(flat, dtype=np.int64))
        doc = np.repeat(np.arange(len(texts), dtype=np.int64), np.array(lengths, dtype=np.int64))
        out: dict = {"word": self._word_counts(ids, doc, len(texts))}
        if self.cue_block is not None:
            out["cue"] = self._cue_counts(ids, doc, len(texts))
        if covers is not None:
            out["coverage"] = np.array(covers, dtype=np.int64)
        return out

    def _word_counts(self, ids: np.ndarray, doc: np.ndarray, n_docs: int) -> sparse.csr_matrix:
        rows, cols = [], []
        for n in range(self.low, self.high + 1):
            tables, columns = self.grams[n]
            where, at = tables.find(ids)
            rows.append(doc[where])
            cols.append(columns[at])
        return _count_matrix(rows, cols, n_docs, self.word_width)

    def _cue_counts(self, ids: np.ndarray, doc: np.ndarray, n_docs: int) -> sparse.csr_matrix:
        """Cue phrases matched on the tokens' plain ids; a phrase whose first token is negated counts as its
        negated cue (as `CueLexicon.find` does)."""
        plain = self.plain_of[ids]
        negated = self.negated[ids]
        rows, cols = [], []
        for tables, plain_columns, negated_columns in self.cue_keys.values():
            where, at = tables.find(plain)
            found = np.where(negated[where, None], negated_columns[at], plain_columns[at])
            keep = found >= 0
            rows.append(np.broadcast_to(doc[where, None], found.shape)[keep])
            cols.append(found[keep])
        for n, (tables, by_prefix) in self.long_cues.items():
            where, at = tables.find(plain)
            extra_rows: list[int] = []
            extra_cols: list[int] = []
            for i, k in zip(where.tolist(), at.tolist(), strict=True):
                window = tuple(plain[i : i + n].tolist())
                for key, plain_cols, negated_cols in by_prefix[int(tables.keys[k])]:
                    if window == key:
                        found = [c for c in (negated_cols if negated[i] else plain_cols) if c >= 0]
                        extra_rows.extend([int(doc[i])] * len(found))
                        extra_cols.extend(found)
            rows.append(np.array(extra_rows, dtype=np.int64))
            cols.append(np.array(extra_cols, dtype=np.int64))
        return _count_matrix(rows, cols, n_docs, len(self.cue_block.vocabulary) if self.cue_block is not None else 0)


class _Tables:
    """How to find, in a sequence of ids, the n-grams whose keys are in ``keys`` (sorted, unique).

    Per position of the n-gram, which ids can stand there (so that most starts are ruled out with one
    array look-up each); for n = 1, each id's row in ``keys`` directly.
    """

    def __init__(self, keys: np.ndarray, n: int, base: int):
        self.keys, self.n, self.base = keys, n, base
        self.allowed = []
        for k in range(n):
            part = (keys // base ** (n - 1 - k)) % base
            allowed = np.zeros(base + 1, dtype=bool)  # the last entry, read for id -1, stays False
            allowed[part] = True
            self.allowed.append(allowed)
        self.rows = None
        if n == 1:
            self.rows = np.full(base + 1, -1, dtype=np.int64)
            self.rows[keys] = np.arange(len(keys))

    def find(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where such an n-gram starts in ``ids`` (-1: no id), and its row in ``keys``."""
        size, n = len(ids), self.n
        if size < n or not len(self.keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if self.rows is not None:
            at = self.rows[ids]
            where = np.flatnonzero(at >= 0)
            return where, at[where]
        valid = self.allowed[0][ids[: size - n + 1]]
        for k in range(1, n):
            valid &= self.allowed[k][ids[k : size - n + 1 + k]]
        where = np.flatnonzero(valid)
        key = ids[where]
        for k in range(1, n):
            key = key * self.base + ids[where + k]
        at = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        hit = self.keys[at] == key
        return where[hit], at[hit]


def _count_matrix(rows: list[np.ndarray], cols: list[np.ndarray], n_docs: int, width: int) -> sparse.csr_matrix:
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    x = sparse.csr_matrix((np.ones(len(c)), (r, c)), shape=(n_docs, width))
    x.sum_duplicates()
    return x
