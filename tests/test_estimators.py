"""tonecls's model follows scikit-learn's estimator contract, so scikit-learn's tools work on it.

What scikit-learn's own estimator checks cover, and what they cannot:

- ToneClassifier (a feature matrix in, one logistic regression per label) runs the whole of
  ``parametrize_with_checks``, binary-only (tag multi_class=False: a multiclass target is refused with
  scikit-learn's standard message; the tones are several binary labels, never one multiclass label).
  Every check passes, with class_weight="balanced" (the shipped setting) and with None. Checks that need
  pandas or the array API are skipped where those are not installed.
- ToneFeatures and ToneModel take texts, not a 2-D numeric array (tag ``input_tags.two_d_array=False``),
  so ``check_estimator`` skips them: every one of its data checks builds numeric arrays. ToneModel's
  target is also a multilabel tone matrix. The API checks that need no data are run on them below, and
  clone, Pipeline, GridSearchCV, cross_val_predict and CalibratedClassifierCV are tested on texts.
- CalibratedClassifierCV takes binary (or multiclass) targets only, not multilabel ones, so it is tested
  on a one-tone pipeline (ToneFeatures + ToneClassifier with a binary y). ToneModel calibrates each tone
  itself (see tonecls.fitting.platt).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import GridSearchCV, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import (
    check_estimator_repr,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_set_params,
    parametrize_with_checks,
)

from tonecls.crossval import GroupedToneSplit, out_of_fold
from tonecls.model import ToneClassifier, ToneFeatures, ToneModel
from tonecls.tones import TONES, label_matrix

from .conftest import TINY, TINY_SETTINGS

TEXTS = [t for t, _ in TINY]
Y = label_matrix([labels for _, labels in TINY])
FEATURE_PARAMS = TINY_SETTINGS.feature_params()


@parametrize_with_checks([ToneClassifier(), ToneClassifier(class_weight=None, C=0.5)])
def test_tone_classifier_passes_sklearn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", [ToneFeatures(**FEATURE_PARAMS), ToneModel(TINY_SETTINGS)], ids=repr)
@pytest.mark.parametrize(
    "check", [check_no_attributes_set_in_init, check_estimator_repr, check_get_params_invariance, check_set_params]
)
def test_text_estimators_pass_the_api_checks_that_need_no_data(estimator, check):
    check(type(estimator).__name__, estimator)


def test_features_are_a_transformer():
    features = ToneFeatures(**FEATURE_PARAMS)
    assert features.get_params()["char_ngrams"] == (3, 4)
    x = features.fit_transform(TEXTS)
    names = features.get_feature_names_out()
    assert x.shape == (len(TEXTS), len(names))
    assert {n.split(":")[0] for n in names} == {"word", "char", "cue"}
    assert "word:condemn" in set(names)
    np.testing.assert_allclose(features.transform(TEXTS).toarray(), x.toarray())
    fewer = clone(features).set_params(char_ngrams=None)
    assert not fewer.fit(TEXTS).get_feature_names_out()[0].startswith("char:")
    assert fewer.transform(TEXTS).shape[1] < x.shape[1]


def test_features_refuse_a_single_string():
    with pytest.raises(ValueError, match="sequence of texts"):
        ToneFeatures().fit("We condemn this.")


def test_clone_gives_an_unfitted_copy_with_the_same_settings():
    model = ToneModel(TINY_SETTINGS).fit(TEXTS, Y)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy.settings == TINY_SETTINGS
    assert not hasattr(copy, "pipeline_")
    copy.fit(TEXTS, Y)
    np.testing.assert_allclose(copy.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_model_is_a_pipeline_of_features_and_classifier():
    model = ToneModel(TINY_SETTINGS).fit(TEXTS, Y)
    assert isinstance(model.pipeline_, Pipeline)
    assert list(model.pipeline_.named_steps) == ["features", "classifier"]
    assert list(model.classes_) == list(TONES)
    # the calibrated log-odds are an affine map of the pipeline's, and predict_proba is their sigmoid
    z = model.pipeline_.decision_function(TEXTS)
    np.testing.assert_allclose(model.decision_function(TEXTS), model.calibration_[:, 0] * z + model.calibration_[:, 1])
    np.testing.assert_allclose(model.predict_proba(TEXTS), 1 / (1 + np.exp(-model.decision_function(TEXTS))))


def test_a_plain_pipeline_fits_and_predicts_tones():
    pipe = Pipeline([("features", ToneFeatures(**FEATURE_PARAMS)), ("classifier", ToneClassifier(C=10.0))])
    pipe.fit(TEXTS, Y)
    assert pipe.predict_proba(TEXTS).shape == (len(TEXTS), len(TONES))
    assert (pipe.predict(TEXTS) == Y).mean() > 0.9


def test_grid_search_with_the_grouped_splitter():
    pipe = Pipeline([("features", ToneFeatures(**FEATURE_PARAMS)), ("classifier", ToneClassifier())])
    search = GridSearchCV(
        pipe,
        {"classifier__C": [0.01, 10.0], "features__min_df": [1, 2]},
        cv=GroupedToneSplit(n_splits=2, random_state=0),
        scoring="f1_macro",
    )
    search.fit(TEXTS, Y, groups=np.arange(len(TEXTS)) % 5)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["classifier__C"] in (0.01, 10.0)
    assert search.predict(TEXTS).shape == Y.shape


def test_grid_search_over_model_settings():
    from dataclasses import replace

    grid = {"settings": [TINY_SETTINGS, replace(TINY_SETTINGS, char_ngrams=None)]}
    search = GridSearchCV(ToneModel(), grid, cv=GroupedToneSplit(2), scoring="f1_macro").fit(TEXTS, Y)
    assert search.best_estimator_.predict(TEXTS).shape == Y.shape


def test_cross_val_predict_with_the_grouped_splitter():
    groups = np.arange(len(TEXTS)) % 4
    probs = cross_val_predict(
        ToneModel(TINY_SETTINGS), TEXTS, Y, groups=groups, cv=GroupedToneSplit(2), method="predict_proba"
    )
    assert probs.shape == Y.shape and ((probs >= 0) & (probs <= 1)).all()
    # the project's own loop gives the same out-of-fold probabilities on the same splits
    splits = GroupedToneSplit(2).split(TEXTS, Y, groups)
    ours = out_of_fold(ToneModel(TINY_SETTINGS), TEXTS, Y, splits)["predict_proba"]
    np.testing.assert_allclose(ours, probs)


def test_calibrated_classifier_cv_on_one_tone():
    k = TONES.index("condemnation")
    one_tone = Pipeline([("features", ToneFeatures(**FEATURE_PARAMS)), ("classifier", ToneClassifier())])
    calibrated = CalibratedClassifierCV(one_tone, method="sigmoid", cv=GroupedToneSplit(2))
    calibrated.fit(TEXTS, Y[:, k])
    probs = calibrated.predict_proba(TEXTS)
    assert probs.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert list(calibrated.classes_) == [0, 1]


def test_grouped_split_keeps_groups_whole_and_uses_near_duplicates_by_default():
    splitter = GroupedToneSplit(n_splits=3, random_state=1)
    groups = np.repeat(np.arange(6), 2)
    folds = list(splitter.split(np.zeros(12), np.zeros((12, 4)), groups))
    assert len(folds) == splitter.get_n_splits() == 3
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(12))
    texts = ["We condemn the attack.", "We condemn the attack!", "Talks resume.", "Borders matter.", "Calm."]
    for _train, test in GroupedToneSplit(2).split(texts):
        assert ({0, 1} <= set(test)) or not ({0, 1} & set(test))
    with pytest.raises(ValueError, match="Cannot split 2 groups into n_splits=3"):
        list(splitter.split(np.zeros(4), None, [0, 0, 1, 1]))


def test_out_of_fold_leaves_rows_that_only_train_unscored():
    train_only = np.arange(10, 20)
    splits = [
        (np.concatenate([np.arange(5, 10), train_only]), np.arange(5)),
        (np.concatenate([np.arange(5), train_only]), np.arange(5, 10)),
    ]
    got = out_of_fold(ToneModel(TINY_SETTINGS), TEXTS, Y, splits, methods=("predict_proba", "predict"))
    assert np.isnan(got["predict_proba"][10:]).all() and not np.isnan(got["predict_proba"][:10]).any()
    assert set(np.unique(got["predict"][:10])) <= {0.0, 1.0}
