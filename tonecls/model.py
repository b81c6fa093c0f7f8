"""The model as scikit-learn estimators: ToneFeatures (texts to a TF-IDF matrix) and ToneClassifier (one
logistic regression per tone), composed by ToneModel with per-tone calibration and thresholds.

ToneFeatures and ToneClassifier follow scikit-learn's contract (clone, Pipeline, GridSearchCV,
cross_val_predict, CalibratedClassifierCV on one tone), so the usual tools work on them. Prediction needs
only vocabularies, idf weights and coefficients: LogisticRegression is imported when fitting, never when a
loaded model scores, so `classify` starts fast.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y

from tonecls.coverage import coverage_note, model_words
from tonecls.cues import CueLexicon
from tonecls.errors import ToneclsError
from tonecls.explain import evidence
from tonecls.text import Analyzer, WordForms
from tonecls.tones import TONES, label_matrix

__all__ = ["Block", "Settings", "ToneClassifier", "ToneFeatures", "ToneModel", "label_matrix"]


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
    calibrate: bool = True
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

    def feature_params(self) -> dict:
        """The parameters of this model's ToneFeatures."""
        return {name: getattr(self, name) for name in FEATURE_PARAMS}


# The settings that are ToneFeatures' parameters; the first six decide how a text is analysed.
FEATURE_PARAMS = (
    "word_ngrams",
    "char_ngrams",
    "stem",
    "negation",
    "mask_actors",
    "cues",
    "min_df",
    "sublinear_tf",
    "char_weight",
    "cue_weight",
)
ANALYSIS_PARAMS = FEATURE_PARAMS[:6]


_CHOICES = {"class_weight": ("balanced", None)}
_OPTIONAL = {"char_ngrams", "C", "class_weight"}
_FLAGS = {"stem", "negation", "mask_actors", "cues", "sublinear_tf", "tune_thresholds", "calibrate"}
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


class Analysed:
    """A text analysed once: its feature counts per block and the words behind its word features.

    Training fits features on many folds of the same texts; analysing each text once and passing these
    objects as X (a list, which scikit-learn indexes like the texts) saves re-analysing it per fold. A
    ToneFeatures uses them only when they were made with its own analysis settings (``key``), else it
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


class _Tools:
    """What a ToneFeatures analyses with, built from its parameters."""

    def __init__(self, params: dict, forms: WordForms | None = None):
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
        # Each block: (features with their surface words, features alone: the fast path).
        self.extractors = {"word": (self.analyzer.word_grams, self.analyzer.word_gram_features)}
        if params["char_ngrams"] is not None:
            self.extractors["char"] = (self.analyzer.char_grams, self._char_features)
        if params["cues"]:
            cues = CueLexicon.load(self.forms)  # the cues' stems are the model's stems
            self.extractors["cue"] = (cues.find, cues.features)

    def _char_features(self, tokens) -> list[str]:
        chars = self.analyzer.word_chars
        return [g for feature, surface in tokens if feature for g in chars(feature, surface)]


class ToneFeatures(TransformerMixin, BaseEstimator):
    """Texts to a weighted TF-IDF matrix: word n-grams, optional character n-grams, and cue-lexicon features.

    A scikit-learn transformer whose parameters are the feature settings. Each block's rows are
    L2-normalised and scaled by its weight (words 1, ``char_weight``, ``cue_weight``), then the blocks are
    stacked side by side. X is a sequence of texts (or of ``Analysed`` texts, see ``analyse``).

    Fitted attributes: ``blocks_`` (each block's vocabulary, idf and display names) and ``forms_`` (the
    stem of every word of the training texts and cues, as nltk gave it: the model file stores the table, so
    a loaded model stems with it and never imports nltk).
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = None,
        stem: bool = True,
        negation: bool = True,
        mask_actors: bool = True,
        cues: bool = True,
        min_df: int = 2,
        sublinear_tf: bool = True,
        char_weight: float = 1.0,
        cue_weight: float = 1.0,
    ):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.stem = stem
        self.negation = negation
        self.mask_actors = mask_actors
        self.cues = cues
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.char_weight = char_weight
        self.cue_weight = cue_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags

    def _more_tags(self) -> dict:  # scikit-learn before 1.6
        return {"X_types": ["string"], "requires_y": False}

    # -- analysis -------------------------------------------------------
    @property
    def _tools(self) -> _Tools:
        """Analyzer and extractors for the current parameters (rebuilt after set_params changes them)."""
        tools = self.__dict__.get("_tools_cache")
        if tools is None or tools.key != tuple(getattr(self, name) for name in ANALYSIS_PARAMS):
            params = {name: getattr(self, name) for name in FEATURE_PARAMS}
            tools = self.__dict__["_tools_cache"] = _Tools(params, self.__dict__.get("forms_"))
        return tools

    def __getstate__(self) -> dict:
        """Without the per-word caches (character columns, the analyser's words; the analyser is rebuilt from
        the parameters and ``forms_``): a pickled model stays the size of its file, however much it scored."""
        state = super().__getstate__()
        state.pop("_char_columns", None)
        state.pop("_tools_cache", None)
        return state

    @property
    def analyzer(self) -> Analyzer:
        return self._tools.analyzer

    @property
    def forms(self) -> WordForms:
        """How words are stemmed now: a loaded model's table (``forms_``); nltk in a model fitted in this process."""
        return self._tools.forms

    @property
    def weights(self) -> dict[str, float]:
        return {"word": 1.0, "char": self.char_weight, "cue": self.cue_weight}

    def analyse(self, texts: Iterable[str]) -> list[Analysed]:
        """Each text's feature counts per block and the words behind its word features, computed once."""
        tools = self._tools
        out = []
        for text in texts:
            if isinstance(text, Analysed):
                if text.key == tools.key:
                    out.append(text)
                    continue
                text = text.text
            tokens = tools.analyzer.tokens(text)
            counts: dict[str, Counter] = {}
            surfaces: Counter = Counter()
            for name, (with_surface, fast) in tools.extractors.items():
                if name == "word":
                    pairs = with_surface(tokens)
                    counts[name] = Counter(f for f, _ in pairs)
                    surfaces.update((f, s.lower()) for f, s in pairs)
                else:
                    counts[name] = Counter(fast(tokens))
            out.append(Analysed(text, tools.key, counts, surfaces, tools.forms))
        return out

    # -- fitting --------------------------------------------------------
    def fit(self, X: Sequence[str], y: object = None) -> ToneFeatures:
        """Vocabularies (terms in at least ``min_df`` texts; any cue) and idf weights from X."""
        self._unfit_forms()
        self._fit(self.analyse(_texts(X)))
        return self

    def fit_transform(self, X: Sequence[str], y: object = None, **fit_params) -> sparse.csr_matrix:
        self._unfit_forms()
        docs = self.analyse(_texts(X))
        self._fit(docs)
        return self._matrix(docs)

    def _fit(self, docs: list[Analysed]) -> None:
        if not docs:
            raise ValueError("ToneFeatures needs at least one text to fit")
        surfaces: dict[str, Counter] = {}
        for doc in docs:
            for (feature, surface), n in doc.surfaces.items():
                surfaces.setdefault(feature, Counter())[surface] += n
        blocks = []
        for name in self._tools.extractors:
            df: Counter[str] = Counter()
            for doc in docs:
                df.update(doc.counts[name].keys())
            min_df = 1 if name == "cue" else self.min_df
            terms = sorted(t for t, n in df.items() if n >= min_df)
            idf = np.log((1 + len(docs)) / (1 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
            display = [_display_name(t, surfaces.get(t)) for t in terms] if name == "word" else None
            blocks.append(Block(name, {t: i for i, t in enumerate(terms)}, idf, self.weights[name], display))
        self.blocks_ = blocks
        self.forms_ = self._fitted_forms(docs)
        self.__dict__["_char_columns"] = {}

    def _unfit_forms(self) -> None:
        """Refitting stems with nltk again, not with the table of an earlier fit (or of a loaded file)."""
        self.__dict__.pop("forms_", None)
        tools = self.__dict__.get("_tools_cache")
        if tools is not None and not tools.forms.exact:
            del self.__dict__["_tools_cache"]

    def _fitted_forms(self, docs: list[Analysed]) -> WordForms:
        """A stem table of the words behind ``docs`` and the cue phrases (the texts may have been analysed
        by another ToneFeatures with the same settings: training analyses them once for every fold)."""
        seen = [self._tools.forms] + list({id(d.forms): d.forms for d in docs if d.forms is not None}.values())
        stems: dict[str, str] = {}
        negators: set[str] = set()
        for forms in seen:
            stems.update(forms.stems)
            negators.update(forms.negators)
        return WordForms(stems, negators)

    # -- transforming ---------------------------------------------------
    def transform(self, X: Sequence[str]) -> sparse.csr_matrix:
        """The weighted tf-idf matrix of X, one row per text."""
        check_is_fitted(self, "blocks_")
        X = _texts(X)
        key = self._tools.key
        if len(X) and all(isinstance(doc, Analysed) and doc.key == key for doc in X):
            return self._matrix(X)
        return self._transform_texts([doc.text if isinstance(doc, Analysed) else doc for doc in X])

    def _matrix(self, docs: Sequence[Analysed]) -> sparse.csr_matrix:
        """The matrix of analysed texts (training path)."""
        mats = []
        for block in self.blocks_:
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
            mats.append(self._weigh(block, x))
        return _stack(mats)

    def _transform_texts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The matrix of raw texts: the scoring path.

        Word and cue features map straight to columns. Character n-grams are
        counted per word type once: a documents x word-types matrix times a
        word-types x n-grams matrix gives the counts without a Python loop
        over every n-gram.
        """
        tools = self._tools
        names = [b.name for b in self.blocks_]
        cols: dict[str, list[int]] = {n: [] for n in names}
        ptrs: dict[str, list[int]] = {n: [0] for n in names}
        fast = {n: tools.extractors[n][1] for n in names}
        vocabs = {b.name: b.vocabulary for b in self.blocks_}
        for text in texts:
            tokens = tools.analyzer.tokens(text)
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
        for block in self.blocks_:
            width = len(word_ids) if block.name == "char" else len(block.vocabulary)
            counts = self._counts(cols[block.name], ptrs[block.name], width)
            if block.name == "char":
                counts = counts @ self._char_matrix(block, word_ids)
            mats.append(self._weigh(block, counts.tocsr()))
        return _stack(mats)

    @staticmethod
    def _counts(cols: list[int], ptr: list[int], width: int) -> sparse.csr_matrix:
        indices = np.asarray(cols, dtype=np.int32)
        x = sparse.csr_matrix(
            (np.ones(len(indices)), indices, np.asarray(ptr, dtype=np.int64)), shape=(len(ptr) - 1, width)
        )
        x.sum_duplicates()
        return x

    @property
    def _char_columns(self) -> dict[str, list[int]]:
        """Per word, its character n-gram columns: filled while scoring, cleared past a size."""
        return self.__dict__.setdefault("_char_columns", {})

    def _char_matrix(self, block: Block, word_ids: dict[str, int]) -> sparse.csr_matrix:
        """Words (surface forms, in ``word_ids`` order) x character n-gram columns, from a per-word cache."""
        cache = self._char_columns
        if len(cache) > 200_000:
            cache.clear()
        vocab = block.vocabulary
        analyzer = self._tools.analyzer
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

    def _weigh(self, block: Block, x: sparse.csr_matrix) -> sparse.csr_matrix:
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
    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Each column's term, prefixed by its block: "word:condemn", "char:ond", "cue:cue_threat"."""
        check_is_fitted(self, "blocks_")
        return np.asarray([f"{b.name}:{t}" for b in self.blocks_ for t in b.terms], dtype=object)

    def feature_names(self) -> list[str]:
        """Readable names: the commonest words behind a word feature, "[country]", "cue: threat"."""
        check_is_fitted(self, "blocks_")
        names = []
        for block in self.blocks_:
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
        tools = self._tools
        tokens = tools.analyzer.tokens(text)
        out = []
        offset = 0
        for block in self.blocks_:
            for feature, surface in tools.extractors[block.name][0](tokens):
                j = block.vocabulary.get(feature)
                if j is not None:
                    out.append((offset + j, surface))
            offset += len(block.vocabulary)
        return out


def _texts(X: object) -> list:
    """X as a list of texts (or Analysed texts); a bare string is refused, as scikit-learn's vectorizers do."""
    if isinstance(X, str | bytes):
        raise ValueError("ToneFeatures expects a sequence of texts, not a single string")
    items = list(X)
    for item in items:
        if not isinstance(item, str | Analysed):
            raise ValueError(f"ToneFeatures expects texts, got {type(item).__name__}")
    return items


def _stack(mats: list[sparse.csr_matrix]) -> sparse.csr_matrix:
    return sparse.hstack(mats, format="csr") if len(mats) > 1 else mats[0]


def _display_name(term: str, surfaces: Counter | None) -> str:
    """The commonest words behind a feature; words inside a negation's scope are marked "not·"."""
    if not surfaces:
        return term
    words = min(surfaces.items(), key=lambda kv: (-kv[1], kv[0]))[0].split(" ")
    marks = ["not·" if part.startswith("not_") else "" for part in term.split(" ")]
    return " ".join(m + w for m, w in zip(marks, words, strict=False))


# A tone absent (or present everywhere) in the training data gets a constant model at this probability.
CONSTANT_PRIOR = 0.001


class ToneClassifier(ClassifierMixin, BaseEstimator):
    """One L2 logistic regression per label over a feature matrix (liblinear, as before).

    y is either a 0/1 matrix with one column per label (the tones: multilabel) or a binary vector (one
    tone, for tools such as CalibratedClassifierCV that take binary targets only). Multiclass targets are
    refused. ``C`` is one number, or one per label; a label that never varies in training gets a constant
    model. ``decision_function`` gives log-odds, ``predict_proba`` the sigmoid of them (uncalibrated:
    ToneModel calibrates), ``predict`` cuts at 0.5.
    """

    def __init__(
        self,
        C: float | Sequence[float] = 1.0,
        class_weight: str | None = "balanced",
        random_state: int | None = 0,
        max_iter: int = 1000,
    ):
        self.C = C
        self.class_weight = class_weight
        self.random_state = random_state
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags

    def _more_tags(self) -> dict:  # scikit-learn before 1.6
        return {"binary_only": True, "multilabel": True, "multioutput": True}

    def fit(self, X, y, sample_weight=None) -> ToneClassifier:
        from sklearn.linear_model import LogisticRegression

        X, y = check_X_y(X, y, accept_sparse="csr", multi_output=True, dtype=np.float64)
        Y = self._label_columns(y)
        weight = _sample_weight(sample_weight, X.shape[0])
        Cs = self._per_label_C(Y.shape[1])
        coef = np.zeros((Y.shape[1], X.shape[1]))
        intercept = np.zeros(Y.shape[1])
        n_iter = np.zeros(Y.shape[1], dtype=np.int32)  # 0 for a constant label: nothing was fitted
        for k in range(Y.shape[1]):
            column = Y[:, k]
            if column.min() == column.max():
                prior = 1 - CONSTANT_PRIOR if column[0] else CONSTANT_PRIOR
                intercept[k] = math.log(prior / (1 - prior))
                continue
            clf = LogisticRegression(
                C=Cs[k],
                class_weight=self.class_weight,
                solver="liblinear",
                random_state=self.random_state,
                max_iter=self.max_iter,
            )
            clf.fit(X, column, sample_weight=weight)
            coef[k] = clf.coef_.ravel()
            intercept[k] = clf.intercept_[0]
            n_iter[k] = clf.n_iter_.max()
        self.n_iter_ = n_iter
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_features_in_ = X.shape[1]
        return self

    def _label_columns(self, y: np.ndarray) -> np.ndarray:
        """y as 0/1 columns, setting ``classes_`` and whether this is the binary (1-D) form."""
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind == "binary" and y.ndim == 2 and y.shape[1] == 1:  # a column vector: one binary label
            y = y.ravel()
        if kind == "multilabel-indicator":
            self.binary_ = False
            self.classes_ = np.arange(y.shape[1])
            self._label_dtype = np.asarray(y).dtype
            return np.asarray(y, dtype=np.int8)
        if kind != "binary" or y.ndim != 1:
            raise ValueError(
                "Only binary classification is supported (or several binary labels as a 0/1 matrix). "
                f"The type of the target is {kind}."
            )
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"ToneClassifier needs 2 classes in a binary y; got one class ({classes[0]!r})")
        self.binary_ = True
        self.classes_ = classes
        return (y == classes[1]).astype(np.int8).reshape(-1, 1)

    def _per_label_C(self, n_labels: int) -> list[float]:
        Cs = [float(self.C)] * n_labels if np.ndim(self.C) == 0 else [float(c) for c in self.C]
        if len(Cs) != n_labels or not all(math.isfinite(c) and c > 0 for c in Cs):
            raise ValueError(f"C must be a positive number or {n_labels} of them, got {self.C!r}")
        return Cs

    def decision_function(self, X) -> np.ndarray:
        """Log-odds per label: shape (n,) for a binary y, (n, labels) for a label matrix."""
        check_is_fitted(self, "coef_")
        X = check_array(X, accept_sparse="csr", dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but ToneClassifier is expecting {self.n_features_in_} features as input"
            )
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        return z[:, 0] if self.binary_ else z

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities: (n, 2) for a binary y (classes_ order), (n, labels) for a label matrix."""
        p = _sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p]) if self.binary_ else p

    def predict(self, X) -> np.ndarray:
        z = self.decision_function(X)
        if self.binary_:
            return self.classes_[(z > 0).astype(int)]
        return (z > 0).astype(getattr(self, "_label_dtype", np.int64))


def _sample_weight(sample_weight, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (n,):
        raise ValueError(f"sample_weight.shape == {weight.shape}, expected {(n,)}!")
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise ValueError("sample_weight must be finite and not negative")
    if not weight.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weight


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


IDENTITY_CALIBRATION = (1.0, 0.0)


class ToneModel(ClassifierMixin, BaseEstimator):
    """ToneFeatures and ToneClassifier in a Pipeline, with each tone's probabilities calibrated.

    ``fit`` makes out-of-fold predictions by inner cross-validation grouped by ``groups`` (situations)
    and uses them three ways: each tone's C (``settings.C=None``: the one with the best average precision),
    a sigmoid (Platt) calibration of each tone's scores, and each tone's threshold (best F1 on the
    calibrated out-of-fold probabilities). Then the pipeline is fitted on everything. See
    ``tonecls.fitting``.

    Parameters
    ----------
    settings : Settings
        Feature and training settings.

    Examples
    --------
    >>> model = ToneModel(Settings(char_ngrams=None, min_df=1, C=1.0, mask_actors=False))
    >>> texts = ["We condemn this attack.", "We condemn the shelling of villages.", "We deplore the raid.",
    ...          "We call for restraint and dialogue.", "We call for calm and talks.", "We urge restraint."]
    >>> labels = [["condemnation"]] * 3 + [["conciliation"]] * 3
    >>> model = model.fit(texts, labels)
    >>> model.classify("We strongly condemn the attack.")["tones"]
    ['condemnation']
    """

    tones = TONES

    def __init__(self, settings: Settings = Settings()):  # noqa: B008 - a frozen dataclass: never mutated
        self.settings = settings

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self) -> dict:  # scikit-learn before 1.6
        return {"X_types": ["string"], "multilabel": True, "binary_only": True}

    # -- fitting ---------------------------------------------------------
    def pipeline(self, C: float | Sequence[float] = 1.0) -> Pipeline:
        """An unfitted Pipeline of this model's ToneFeatures and ToneClassifier."""
        s = self.settings or Settings()
        return Pipeline(
            [
                ("features", ToneFeatures(**s.feature_params())),
                ("classifier", ToneClassifier(C=C, class_weight=s.class_weight, random_state=s.random_state)),
            ]
        )

    def fit(
        self,
        X: Sequence[str],
        y: Sequence[Iterable[str]] | np.ndarray,
        groups: Sequence[object] | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> ToneModel:
        """Fit on texts and their tones (tone-name lists, or a 0/1 matrix in TONES order).

        ``groups`` keep statements together in the inner cross-validation (default: near-duplicates).
        """
        from tonecls.fitting import fit_model

        Y = _label_array(y)
        texts = _texts(X)
        if len(texts) != len(Y):
            raise ValueError(f"{len(texts)} texts but {len(Y)} label rows")
        weight = _sample_weight(sample_weight, len(texts))
        fitted = fit_model(self.pipeline(), texts, Y, groups, weight, self.settings or Settings())
        self.pipeline_ = fitted.pipeline
        self.C_ = fitted.C
        self.calibration_ = fitted.calibration
        self.thresholds_ = fitted.thresholds
        self.oof_probs_ = fitted.oof_probs
        self.classes_ = np.array(TONES)
        return self

    def check_is_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise ToneclsError("this model is not trained yet: call fit() or load a model file")

    # -- parts -----------------------------------------------------------
    @property
    def features_(self) -> ToneFeatures:
        self.check_is_fitted()
        return self.pipeline_.named_steps["features"]

    @property
    def classifier_(self) -> ToneClassifier:
        self.check_is_fitted()
        return self.pipeline_.named_steps["classifier"]

    @property
    def coef_(self) -> np.ndarray:
        return self.classifier_.coef_

    @property
    def intercept_(self) -> np.ndarray:
        return self.classifier_.intercept_

    # -- prediction ------------------------------------------------------
    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated log-odds, one row per text and one column per tone: ``predict_proba`` is their sigmoid."""
        self.check_is_fitted()
        z = self.pipeline_.decision_function(_texts(X))
        return self.calibration_[:, 0] * z + self.calibration_[:, 1]

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text and one column per tone in TONES order."""
        return _sigmoid(self.decision_function(X))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Whether each text has each tone: its probability at or above the tone's threshold."""
        return self.predict_proba(X) >= self.thresholds_

    def tones_of(self, probs: np.ndarray) -> list[str]:
        return [t for t, p, th in zip(TONES, probs, self.thresholds_, strict=True) if p >= th]

    def classify(self, text: str, *, top: int = 5) -> dict:
        """One statement's tones, scores and evidence, as `classify --json` prints it."""
        probs = self.predict_proba([text])[0]
        tones = self.tones_of(probs)
        return {
            "tones": tones,
            "scores": {t: round(float(p), 4) for t, p in zip(TONES, probs, strict=True)},
            **coverage_note(text, model_words(self)),
            "evidence": {t: evidence(self, text, t, top=top) for t in tones},
        }


def _label_array(y: Sequence[Iterable[str]] | np.ndarray) -> np.ndarray:
    """Tone-name lists or a 0/1 matrix, as an N x 4 int8 matrix."""
    if isinstance(y, np.ndarray) and y.dtype != object:
        Y = np.asarray(y)
        if Y.ndim != 2 or Y.shape[1] != len(TONES) or not np.isin(Y, (0, 1)).all():
            raise ValueError(f"y must be tone-name lists or a 0/1 matrix with {len(TONES)} columns")
        return Y.astype(np.int8)
    return label_matrix(y)
