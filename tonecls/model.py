"""ToneModel: TF-IDF features and one logistic regression per tone.

Prediction needs only the vocabularies, idf weights and coefficients, so a
loaded model never imports scikit-learn's estimators: `classify` starts fast.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import sparse

from tonecls.cues import CueLexicon
from tonecls.errors import ToneclsError
from tonecls.text import Analyzer, WordForms
from tonecls.tones import TONES


@dataclass(frozen=True)
class Settings:
    """Training settings: everything needed to rebuild the features of a model."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = None
    stem: bool = True
    negation: bool = True
    mask_actors: bool = True
    cues: bool = True
    min_df: int = 2
    sublinear_tf: bool = True
    char_weight: float = 1.0
    cue_weight: float = 1.0
    C: float | None = None
    C_grid: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0)
    tune_thresholds: bool = True
    real_weight: float = 1.0
    class_weight: str | None = "balanced"
    inner_folds: int = 3
    random_state: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        """Settings from plain values (JSON or `--set KEY=VALUE` text), each checked against its type."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ToneclsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        defaults = cls()
        return cls(**{k: _coerce(k, v, getattr(defaults, k)) for k, v in data.items()})

    def to_dict(self) -> dict:
        return asdict(self)


_CHOICES = {"class_weight": ("balanced", None)}
_OPTIONAL = {"char_ngrams", "C", "class_weight"}
_FLAGS = {"stem", "negation", "mask_actors", "cues", "sublinear_tf", "tune_thresholds"}
# Ranges with room around what real models use. A model file or --set outside them is refused: an n-gram
# range of 1..100000 makes one statement cost gigabytes, a million inner folds never ends.
RANGES: dict[str, tuple[float, float]] = {
    "word_ngrams": (1, 4),
    "char_ngrams": (1, 8),
    "min_df": (1, 1_000_000),
    "char_weight": (0.0, 100.0),
    "cue_weight": (0.0, 100.0),
    "C": (1e-6, 1e6),
    "C_grid": (1e-6, 1e6),
    "real_weight": (1e-6, 1e4),
    "inner_folds": (2, 20),
    "random_state": (0, 2**32 - 1),
}
MAX_C_GRID = 20


def _number(value: object, kind: type) -> float | int:
    """An int or a finite float from a number or its text; bools and non-whole ints are not numbers here."""
    if isinstance(value, bool):
        raise ValueError(value)
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _coerce(key: str, value: object, default: object) -> object:
    """One setting's value in the type of its default and within its range, or a ToneclsError saying why not."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("none", "null") and key in _OPTIONAL:
            return None
        if low in ("true", "false"):
            value = low == "true"
        elif "," in value:
            value = [part.strip() for part in value.split(",")]
    if value is None and key in _OPTIONAL:
        return None
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise ToneclsError(
                f"setting {key}: expected one of {', '.join(map(str, _CHOICES[key]))}, got {_shown(value)}"
            )
        return value
    lo, hi = RANGES.get(key, (-math.inf, math.inf))
    try:
        if key in ("word_ngrams", "char_ngrams", "C_grid"):
            items = value if isinstance(value, list | tuple) else [value]
            out = tuple(_number(v, float if key == "C_grid" else int) for v in items)
            if not all(lo <= v <= hi for v in out):
                raise ValueError(value)
            if key == "C_grid" and not 1 <= len(out) <= MAX_C_GRID:
                raise ValueError(value)
            if key != "C_grid" and (len(out) != 2 or out[0] > out[1]):
                raise ValueError(value)
            return out
        if key in _FLAGS or isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        number = _number(value, float if key == "C" or isinstance(default, float) else int)
        if not lo <= number <= hi:
            raise ValueError(value)
        return number
    except (TypeError, ValueError, OverflowError):
        pass
    between = f" from {lo:g} to {hi:g}" if key in RANGES else ""
    expected = {
        "word_ngrams": f"two whole numbers LOW,HIGH{between}",
        "char_ngrams": f"two whole numbers LOW,HIGH{between}, or none",
        "C_grid": f"1 to {MAX_C_GRID} numbers{between}, separated by commas",
        "C": f"a number{between}, or none (choose by cross-validation)",
    }.get(key)
    if expected is None:
        whole = "whole " if isinstance(default, int) else ""
        expected = "true or false" if isinstance(default, bool) else f"a {whole}number{between}"
    raise ToneclsError(f"setting {key}: expected {expected}, got {_shown(value)}")


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
    return text if len(text) <= 60 else text[:57] + "..."


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


Counts = dict[str, list[Counter]]


@dataclass
class Features:
    """The fitted feature blocks and the analyzer that feeds them."""

    settings: Settings
    blocks: list[Block] = field(default_factory=list)
    forms: WordForms | None = field(default=None, repr=False, compare=False)  # a loaded model's stem table

    def __post_init__(self) -> None:
        s = self.settings
        self.analyzer = Analyzer(
            stem=s.stem,
            negation=s.negation,
            mask_actors=s.mask_actors,
            word_ngrams=s.word_ngrams,
            char_ngrams=s.char_ngrams,
            forms=self.forms,
        )
        self.forms = self.analyzer.forms
        cues = CueLexicon.load(self.forms) if s.cues else None
        # Each block: (features with their surface words, features alone: the fast path).
        self.extractors = {"word": (self.analyzer.word_grams, self.analyzer.word_gram_features)}
        if s.char_ngrams is not None:
            self.extractors["char"] = (self.analyzer.char_grams, self._char_features)
        if cues is not None:
            self.extractors["cue"] = (cues.find, cues.features)
        self.weights = {"word": 1.0, "char": s.char_weight, "cue": s.cue_weight}
        self._char_columns: dict[str, list[int]] = {}

    def __getstate__(self) -> dict:
        """Without the per-word cache of character columns: a pickled model stays the size of its file."""
        return {k: v for k, v in self.__dict__.items() if k != "_char_columns"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._char_columns = {}

    def _char_features(self, tokens) -> list[str]:
        chars = self.analyzer.word_chars
        return [g for feature, surface in tokens if feature for g in chars(feature, surface)]

    def count(self, texts: Iterable[str], surfaces: dict[str, Counter] | None = None) -> Counts:
        """Feature counts per block, analysing each text once.

        With ``surfaces``, also tally the words behind each word feature, so
        that a stem such as "consequ" can be shown as "consequences".
        """
        counted: Counts = {name: [] for name in self.extractors}
        for text in texts:
            tokens = self.analyzer.tokens(text)
            for name, (with_surface, fast) in self.extractors.items():
                if surfaces is not None and name == "word":
                    pairs = with_surface(tokens)
                    counted[name].append(Counter(f for f, _ in pairs))
                    for feature, surface in pairs:
                        surfaces.setdefault(feature, Counter())[surface.lower()] += 1
                else:
                    counted[name].append(Counter(fast(tokens)))
        return counted

    def fit(
        self, counted: Counts, rows: Sequence[int] | None = None, surfaces: dict[str, Counter] | None = None
    ) -> Features:
        """Vocabularies and idf weights from the given rows of ``counted``."""
        self.blocks = []
        self._char_columns = {}
        for name, docs in counted.items():
            if rows is not None:
                docs = [docs[i] for i in rows]
            df: Counter[str] = Counter()
            for doc in docs:
                df.update(doc.keys())
            min_df = 1 if name == "cue" else self.settings.min_df
            terms = sorted(t for t, n in df.items() if n >= min_df)
            idf = np.log((1 + len(docs)) / (1 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
            display = None
            if surfaces is not None and name == "word":
                display = [_display_name(t, surfaces.get(t)) for t in terms]
            self.blocks.append(Block(name, {t: i for i, t in enumerate(terms)}, idf, self.weights[name], display))
        return self

    def matrix(self, counted: Counts, rows: Sequence[int] | None = None) -> sparse.csr_matrix:
        """The weighted tf-idf matrix of counted documents (training path)."""
        mats = []
        for block in self.blocks:
            docs = counted[block.name]
            if rows is not None:
                docs = [docs[i] for i in rows]
            doc_rows: list[int] = []
            cols: list[int] = []
            vocab = block.vocabulary
            for r, doc in enumerate(docs):
                for term, n in doc.items():
                    j = vocab.get(term)
                    if j is not None:
                        doc_rows.extend([r] * n)
                        cols.extend([j] * n)
            mats.append(self._block_matrix(block, doc_rows, cols, len(docs)))
        return sparse.hstack(mats, format="csr") if len(mats) > 1 else mats[0]

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The weighted tf-idf matrix of raw texts: the scoring path.

        Word and cue features map straight to columns. Character n-grams are
        counted per word type once: a documents x word-types matrix times a
        word-types x n-grams matrix gives the counts without a Python loop
        over every n-gram.
        """
        names = [b.name for b in self.blocks]
        cols: dict[str, list[int]] = {n: [] for n in names}
        ptrs: dict[str, list[int]] = {n: [0] for n in names}
        fast = {n: self.extractors[n][1] for n in names}
        vocabs = {b.name: b.vocabulary for b in self.blocks}
        surfaces: list[str] = []
        for text in texts:
            tokens = self.analyzer.tokens(text)
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
            counts = self._counts(cols[block.name], ptrs[block.name], width)
            if block.name == "char":
                counts = counts @ self._char_matrix(block, word_ids)
            mats.append(self._weigh(block, counts.tocsr()))
        return sparse.hstack(mats, format="csr") if len(mats) > 1 else mats[0]

    @staticmethod
    def _counts(cols: list[int], ptr: list[int], width: int) -> sparse.csr_matrix:
        indices = np.asarray(cols, dtype=np.int32)
        x = sparse.csr_matrix(
            (np.ones(len(indices)), indices, np.asarray(ptr, dtype=np.int64)), shape=(len(ptr) - 1, width)
        )
        x.sum_duplicates()
        return x

    def _char_matrix(self, block: Block, word_ids: dict[str, int]) -> sparse.csr_matrix:
        """Words (surface forms, in ``word_ids`` order) x character n-gram columns, from a per-word cache."""
        cache = self._char_columns
        if len(cache) > 200_000:
            cache.clear()
        vocab = block.vocabulary
        cols: list[int] = []
        ptr = [0]
        for surface in word_ids:
            found = cache.get(surface)
            if found is None:
                feature = f"__{surface[1:-1]}__" if surface.startswith("[") else surface
                grams = self.analyzer.word_chars(feature, surface)
                found = cache[surface] = [j for j in map(vocab.get, grams) if j is not None]
            cols.extend(found)
            ptr.append(len(cols))
        x = sparse.csr_matrix(
            (np.ones(len(cols)), np.asarray(cols, dtype=np.int32), np.asarray(ptr, dtype=np.int64)),
            shape=(len(word_ids), len(vocab)),
        )
        x.sum_duplicates()
        return x

    def _block_matrix(self, block: Block, rows: list[int], cols: list[int], n_docs: int) -> sparse.csr_matrix:
        x = sparse.csr_matrix(
            (np.ones(len(cols)), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(n_docs, len(block.vocabulary)),
        )
        x.sum_duplicates()
        return self._weigh(block, x)

    def _weigh(self, block: Block, x: sparse.csr_matrix) -> sparse.csr_matrix:
        """Counts to sublinear tf x idf, each row L2-normalised and scaled by the block weight."""
        x = x.astype(np.float64)
        if self.settings.sublinear_tf:
            x.data = 1.0 + np.log(x.data)
        x.data *= block.idf[x.indices]
        n_docs = x.shape[0]
        row_of = np.repeat(np.arange(n_docs), np.diff(x.indptr))
        norms = np.sqrt(np.bincount(row_of, weights=x.data * x.data, minlength=n_docs))
        norms[norms == 0] = 1.0
        x.data *= block.weight / norms[row_of]
        return x

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
        """Column index and surface words of every known feature in one text."""
        tokens = self.analyzer.tokens(text)
        out = []
        offset = 0
        for block in self.blocks:
            for feature, surface in self.extractors[block.name][0](tokens):
                j = block.vocabulary.get(feature)
                if j is not None:
                    out.append((offset + j, surface))
            offset += len(block.vocabulary)
        return out


def _display_name(term: str, surfaces: Counter | None) -> str:
    """The commonest words behind a feature; words inside a negation's scope are marked "not·"."""
    if not surfaces:
        return term
    words = min(surfaces.items(), key=lambda kv: (-kv[1], kv[0]))[0].split(" ")
    marks = ["not·" if part.startswith("not_") else "" for part in term.split(" ")]
    return " ".join(m + w for m, w in zip(marks, words, strict=False))


class ToneModel:
    """TF-IDF (words, characters, cue lexicon) and one logistic regression per tone.

    Parameters
    ----------
    settings : Settings
        Feature and training settings; ``C=None`` picks each tone's
        regularisation by inner grouped cross-validation.

    Examples
    --------
    >>> model = ToneModel(Settings(char_ngrams=None, min_df=1, C=1.0, mask_actors=False))
    >>> texts = ["We condemn this attack.", "We call for restraint and dialogue."] * 4
    >>> labels = [["condemnation"], ["conciliation"]] * 4
    >>> model = model.fit(texts, labels)
    >>> model.classify("We strongly condemn the attack.")["tones"]
    ['condemnation']
    """

    tones = TONES

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()

    # -- fitting ---------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[Iterable[str]] | np.ndarray,
        groups: Sequence[object] | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> ToneModel:
        from tonecls.fitting import fit_tone_model

        y = np.asarray(labels, dtype=np.int8) if isinstance(labels, np.ndarray) else label_matrix(labels)
        fit_tone_model(self, list(texts), y, groups, sample_weight)
        return self

    def check_is_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ToneclsError("this model is not trained yet: call fit() or load a model file")

    # -- prediction ------------------------------------------------------
    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        self.check_is_fitted()
        x = self.features_.transform(list(texts))
        return np.asarray(x @ self.coef_.T) + self.intercept_

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text and one column per tone in TONES order."""
        z = self.decision_function(texts)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba(texts) >= self.thresholds_

    def tones_of(self, probs: np.ndarray) -> list[str]:
        return [t for t, p, th in zip(TONES, probs, self.thresholds_, strict=True) if p >= th]

    def classify(self, text: str, *, top: int = 5) -> dict:
        """One statement's tones, scores and evidence, as `classify --json` prints it."""
        from tonecls.explain import evidence

        probs = self.predict_proba([text])[0]
        tones = self.tones_of(probs)
        return {
            "tones": tones,
            "scores": {t: round(float(p), 4) for t, p in zip(TONES, probs, strict=True)},
            "evidence": {t: evidence(self, text, t, top=top) for t in tones},
        }


def label_matrix(labels: Sequence[Iterable[str]]) -> np.ndarray:
    """Tone sets to an N x 4 array of 0/1 in TONES order."""
    rows = []
    for tone_set in labels:
        tone_set = set(tone_set)
        unknown = tone_set - set(TONES)
        if unknown:
            raise ToneclsError(f"unknown tone(s): {', '.join(sorted(unknown))}; tones are {', '.join(TONES)}")
        rows.append([t in tone_set for t in TONES])
    return np.asarray(rows, dtype=np.int8).reshape(len(rows), len(TONES))
