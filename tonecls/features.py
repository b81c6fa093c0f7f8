"""The feature space of a model: texts to its weighted TF-IDF matrix, with numpy and scipy.sparse alone.

One home for the feature computation (analysis, word n-grams, cue features, character n-grams,
vocabulary look-up, TF-IDF weighting): the scikit-learn transformer `tonecls.model.ToneFeatures` fits the
vocabularies and delegates to a `FeatureSpace`, and the scorer `tonecls.predictor.TonePredictor` holds one
loaded from a model file. Nothing here imports scikit-learn, so scoring starts fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from tonecls.cues import CueLexicon
from tonecls.settings import ANALYSIS_PARAMS
from tonecls.text import Analyzer, Token, WordForms

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

    def __getstate__(self) -> dict:
        """Without the per-word cache: a pickled model stays the size of its file, however much it scored."""
        return {**self.__dict__, "char_columns": {}}

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
