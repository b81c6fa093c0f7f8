import numpy as np
import pytest

from tonecls.errors import ToneclsError
from tonecls.model import ToneFeatures, ToneModel, label_matrix
from tonecls.model_file import load_model
from tonecls.tones import TONES

from .conftest import TINY, TINY_SETTINGS

TEXTS = [t for t, _ in TINY] + ["Pakistan will not accept this, the U.S. said.", "", "!!!", "naïve café ☃"]


def test_scoring_path_matches_training_path():
    features = ToneFeatures(**TINY_SETTINGS.feature_params())
    analysed = features.analyse(TEXTS)
    a = features.fit(analysed).transform(analysed).toarray()
    b = features.transform(TEXTS).toarray()
    np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(features.fit_transform(TEXTS).toarray(), b)


def test_probabilities_are_in_range_and_batch_equals_single(tiny_model_path):
    model = load_model(tiny_model_path)
    batch = model.predict_proba(TEXTS)
    assert batch.shape == (len(TEXTS), len(TONES))
    assert ((batch >= 0) & (batch <= 1)).all()
    single = np.vstack([model.predict_proba([t]) for t in TEXTS])
    np.testing.assert_allclose(batch, single)


def test_thresholds_come_from_cross_validation(tiny_model_path):
    model = load_model(tiny_model_path)
    assert model.thresholds_.shape == (4,)
    assert ((model.thresholds_ >= 0.05) & (model.thresholds_ <= 0.95)).all()


def test_classify_result_shape(tiny_model_path):
    result = load_model(tiny_model_path).classify("We strongly condemn the attack on our territory.")
    assert sorted(result) == ["evidence", "scores", "tones"]
    assert "condemnation" in result["tones"]
    assert result["evidence"]["condemnation"][0][1] > 0


def test_evidence_shows_placeholders_not_raw_tokens(tiny_model_path):
    result = load_model(tiny_model_path).classify("Pakistan strongly condemns the attack on Pakistan.")
    phrases = [p for ev in result["evidence"].values() for p, _ in ev]
    assert not any("__" in p for p in phrases)


def test_unfitted_model_says_so():
    with pytest.raises(ToneclsError, match="not trained yet"):
        ToneModel().predict_proba(["x"])


def test_label_matrix_rejects_unknown_tones():
    assert label_matrix([["threat"], []]).tolist() == [[0, 0, 1, 0], [0, 0, 0, 0]]
    with pytest.raises(ToneclsError, match="unknown tone"):
        label_matrix([["anger"]])


def test_docstring_example_runs():
    from tonecls.model import Settings

    model = ToneModel(Settings(char_ngrams=None, min_df=1, C=1.0, mask_actors=False))
    texts = [
        "We condemn this attack.",
        "We condemn the shelling of villages.",
        "We deplore and condemn the raid.",
        "We call for restraint and dialogue.",
        "We call for calm and talks.",
        "We urge dialogue and restraint.",
    ]
    model.fit(texts, [["condemnation"]] * 3 + [["conciliation"]] * 3)
    assert model.classify("We strongly condemn the attack.")["tones"] == ["condemnation"]


def test_evidence_leaves_out_phrases_of_function_words_only(tiny_model_path):
    result = load_model(tiny_model_path).classify("We strongly condemn this unprovoked attack on our territory.")
    phrases = [p.lower() for ev in result["evidence"].values() for p, _ in ev]
    assert phrases and not {"we", "on", "our", "this", "on our"} & set(phrases)
