"""The model as scikit-learn estimators: ToneFeatures (texts to a TF-IDF matrix) and ToneClassifier (one
logistic regression per tone), composed by ToneModel with per-tone calibration and thresholds.

ToneFeatures and ToneClassifier follow scikit-learn's contract (clone, Pipeline, GridSearchCV,
cross_val_predict, CalibratedClassifierCV on one tone), so the usual tools work on them. They are for
fitting: the feature computation lives in `tonecls.features` and the scoring in `tonecls.predictor`, plain
classes that these estimators delegate to and that scoring loads without importing scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y

from tonecls.errors import ToneclsError
from tonecls.features import Analysed, Analysis, Block, FeatureSpace, fit_blocks, texts_of
from tonecls.predictor import TonePredictor, linear_scores, sigmoid
from tonecls.settings import ANALYSIS_PARAMS, FEATURE_PARAMS, RANGES, Settings
from tonecls.text import Analyzer, WordForms
from tonecls.tones import TONES, label_matrix

__all__ = [
    "ANALYSIS_PARAMS",
    "FEATURE_PARAMS",
    "RANGES",
    "Analysed",
    "Block",
    "Settings",
    "ToneClassifier",
    "ToneFeatures",
    "ToneModel",
    "label_matrix",
]

_texts = texts_of


class ToneFeatures(TransformerMixin, BaseEstimator):
    """Texts to a weighted TF-IDF matrix: word n-grams, optional character n-grams, and cue-lexicon features.

    A scikit-learn transformer whose parameters are the feature settings. Each block's rows are
    L2-normalised and scaled by its weight (words 1, ``char_weight``, ``cue_weight``), then the blocks are
    stacked side by side. X is a sequence of texts (or of ``Analysed`` texts, see ``analyse``). The
    computation is `tonecls.features.FeatureSpace`'s (``space``): this class fits its vocabularies.

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
    def _tools(self) -> Analysis:
        """Analyzer and extractors for the current parameters (rebuilt after set_params changes them)."""
        tools = self.__dict__.get("_tools_cache")
        if tools is None or tools.key != tuple(getattr(self, name) for name in ANALYSIS_PARAMS):
            params = {name: getattr(self, name) for name in FEATURE_PARAMS}
            tools = self.__dict__["_tools_cache"] = Analysis(params, self.__dict__.get("forms_"))
        return tools

    @property
    def space(self) -> FeatureSpace:
        """The fitted feature space that transforms: rebuilt when the blocks, the analysis or tf change."""
        check_is_fitted(self, "blocks_")
        tools = self._tools
        space = self.__dict__.get("_space_cache")
        if (
            space is None
            or space.analysis is not tools
            or space.blocks is not self.blocks_
            or space.sublinear_tf != self.sublinear_tf
        ):
            space = self.__dict__["_space_cache"] = FeatureSpace(tools, self.blocks_, self.sublinear_tf)
        return space

    def __getstate__(self) -> dict:
        """Without the per-word caches (character columns, the analyser's words; the analyser is rebuilt from
        the parameters and ``forms_``): a pickled model stays the size of its file, however much it scored."""
        state = super().__getstate__()
        state.pop("_space_cache", None)
        state.pop("_tools_cache", None)
        return state

    @property
    def _char_columns(self) -> dict[str, list[int]]:
        """Per word, its character n-gram columns: filled while scoring, cleared past a size."""
        return self.space.char_columns

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
        return self._tools.analyse(texts)

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
        return self.space.matrix(docs)

    def _fit(self, docs: list[Analysed]) -> None:
        self.blocks_ = fit_blocks(docs, list(self._tools.extractors), self.min_df, self.weights)
        self.forms_ = self._fitted_forms(docs)

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
        return self.space.transform(_texts(X))

    # -- names ----------------------------------------------------------
    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Each column's term, prefixed by its block: "word:condemn", "char:ond", "cue:cue_threat"."""
        return self.space.feature_names_out()

    def feature_names(self) -> list[str]:
        """Readable names: the commonest words behind a word feature, "[country]", "cue: threat"."""
        return self.space.feature_names()

    def columns_with_surface(self, text: str) -> list[tuple[int, str]]:
        """Column index and surface words of every known feature in one text."""
        return self.space.columns_with_surface(text)


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
        z = linear_scores(X, self.coef_, self.intercept_)
        return z[:, 0] if self.binary_ else z

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities: (n, 2) for a binary y (classes_ order), (n, labels) for a label matrix."""
        p = sigmoid(self.decision_function(X))
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
    def predictor(self) -> TonePredictor:
        """The fitted model as a `TonePredictor` over the same arrays: where its predictions are computed."""
        self.check_is_fitted()
        classifier = self.classifier_
        return TonePredictor(
            self.features_.space,
            classifier.coef_,
            classifier.intercept_,
            self.calibration_,
            self.thresholds_,
            settings=self.settings,
            C=self.C_,
            card=getattr(self, "card_", None),
            path=getattr(self, "path_", None),
        )

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated log-odds, one row per text and one column per tone: ``predict_proba`` is their sigmoid."""
        return self.predictor().decision_function(X)

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text and one column per tone in TONES order."""
        return self.predictor().predict_proba(X)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Whether each text has each tone: its probability at or above the tone's threshold."""
        return self.predictor().predict(X)

    def tones_of(self, probs: np.ndarray) -> list[str]:
        return [t for t, p, th in zip(TONES, probs, self.thresholds_, strict=True) if p >= th]

    def classify(self, text: str, *, top: int = 5) -> dict:
        """One statement's tones, scores and evidence, as `classify --json` prints it."""
        return self.predictor().classify(text, top=top)


def _label_array(y: Sequence[Iterable[str]] | np.ndarray) -> np.ndarray:
    """Tone-name lists or a 0/1 matrix, as an N x 4 int8 matrix."""
    if isinstance(y, np.ndarray) and y.dtype != object:
        Y = np.asarray(y)
        if Y.ndim != 2 or Y.shape[1] != len(TONES) or not np.isin(Y, (0, 1)).all():
            raise ValueError(f"y must be tone-name lists or a 0/1 matrix with {len(TONES)} columns")
        return Y.astype(np.int8)
    return label_matrix(y)
