"""Metrics from sklearn.metrics, the ECE, best-F1 thresholds and the per-tone calibration."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from tonecls.evaluate import best_threshold, expected_calibration_error, reliability, tone_metrics
from tonecls.fitting import IDENTITY, platt
from tonecls.model import Settings, ToneModel

from .conftest import TINY, TINY_SETTINGS


def test_ece_of_a_hand_computed_case():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.05, 0.15, 0.15, 0.95, 1.0])
    # bin 0: one statement, |0 - 0.05|; bin 1: two, |0.5 - 0.15|; bin 9 (1.0 included): two, |1 - 0.975|
    expected = 1 / 5 * 0.05 + 2 / 5 * 0.35 + 2 / 5 * 0.025
    assert expected_calibration_error(y, p) == pytest.approx(expected) == pytest.approx(0.16)
    bins = reliability(y, p)
    assert [b["n"] for b in bins] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[1]["observed"] == 0.5 and bins[2]["mean_probability"] is None


def test_ece_is_zero_when_each_bin_is_right_and_large_when_confidently_wrong():
    assert expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.55, 0.55]) == pytest.approx(0.025)
    assert expected_calibration_error([0, 0, 0, 0], [0.95, 0.95, 0.95, 0.95]) == pytest.approx(0.95)
    assert expected_calibration_error([], []) == 0.0


def test_tone_metrics_keeps_its_shape_and_the_no_example_rule():
    y_true = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    y_pred = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
    m = tone_metrics(y_true, y_pred)
    assert m["tones"]["condemnation"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert m["tones"]["threat"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert m["tones"]["sovereignty"] == {"precision": None, "recall": None, "f1": None, "support": 0}
    assert m["macro_over"] == 3 and m["n"] == 4
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    # a tone predicted without any example is measured (precision 0), not n/a
    m = tone_metrics(np.zeros((2, 4)), np.array([[0, 0, 0, 1], [0, 0, 0, 0]]))
    assert m["tones"]["sovereignty"]["f1"] == 0.0 and m["macro_over"] == 1


def test_best_threshold_is_the_middle_of_the_best_f1_grid_points():
    # thresholds 0.11 to 0.35 keep both positives and one negative (F1 0.8), the best; their middle is 0.23
    assert best_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.23)
    assert best_threshold(np.array([0, 0, 0]), np.array([0.2, 0.5, 0.9])) == 0.5
    assert best_threshold(np.array([0, 1]), np.array([0.001, 0.002])) == 0.5  # every grid point ties at F1 0
    # 0.11 to 0.60 separate the classes (F1 1); above 0.9 nothing is predicted (F1 0)
    assert best_threshold(np.array([0, 1, 1]), np.array([0.1, 0.6, 0.9])) == pytest.approx(0.36)


def test_best_threshold_agrees_with_f1_score_on_random_cases():
    from sklearn.metrics import f1_score

    rng = np.random.RandomState(3)
    for _ in range(20):
        y = rng.randint(0, 2, 60)
        probs = np.clip(0.5 * y + rng.normal(0.25, 0.25, 60), 0, 1)
        grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
        f1s = np.array([f1_score(y, probs >= t, zero_division=0.0) for t in grid])
        th = best_threshold(y, probs)
        assert f1_score(y, probs >= th, zero_division=0.0) == pytest.approx(f1s.max())


def test_platt_recovers_a_known_sigmoid():
    rng = np.random.RandomState(0)
    z = rng.normal(1.0, 2.0, 20_000)  # scores too high, as class_weight="balanced" makes them
    y = rng.random_sample(len(z)) < 1 / (1 + np.exp(-(0.5 * z - 1.5)))
    slope, intercept = platt(z, y)
    assert slope == pytest.approx(0.5, abs=0.05) and intercept == pytest.approx(-1.5, abs=0.1)
    before = expected_calibration_error(y, 1 / (1 + np.exp(-z)))
    after = expected_calibration_error(y, 1 / (1 + np.exp(-(slope * z + intercept))))
    assert after < 0.02 < before


def test_platt_keeps_scores_it_cannot_use():
    assert platt(np.array([1.0, 2.0]), np.array([1, 1])) == IDENTITY
    assert platt(np.array([3.0, 2.0, 1.0, 0.0]), np.array([0, 0, 1, 1])) == IDENTITY  # reversed ranking


def synthetic_corpus(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    """Texts where a tone's words are noisy evidence of it and tones are rare (about one in five)."""
    rng = random.Random(seed)
    cues = {"condemnation": "condemn", "conciliation": "dialogue", "threat": "consequences", "sovereignty": "border"}
    filler = "the minister said today that a meeting on trade and fisheries was held in the capital".split()
    texts, labels = [], []
    for i in range(n):
        tones = [t for t in cues if rng.random() < 0.2]
        words = rng.sample(filler, 8)
        for tone, cue in cues.items():
            if (tone in tones and rng.random() < 0.7) or (tone not in tones and rng.random() < 0.15):
                words.insert(rng.randrange(len(words)), cue)
        texts.append(" ".join(words) + f" item{i}.")
        labels.append(tones)
    return texts, labels


def test_calibrated_probabilities_match_the_rate_of_tones():
    """class_weight="balanced" inflates raw probabilities for rare tones; the calibrated mean matches the rate."""
    texts, labels = synthetic_corpus(600, seed=1)
    held_texts, held_labels = synthetic_corpus(600, seed=2)
    settings = Settings(C=1.0, mask_actors=False, cues=False, min_df=1)
    raw = ToneModel(replace(settings, calibrate=False)).fit(texts, labels)
    calibrated = ToneModel(settings).fit(texts, labels)
    assert (raw.calibration_ == IDENTITY).all()
    assert (calibrated.calibration_[:, 0] > 0).all()
    rate = np.array(
        [[t in tones for t in ("condemnation", "conciliation", "threat", "sovereignty")] for tones in held_labels]
    )
    gap_raw = np.abs(raw.predict_proba(held_texts).mean(axis=0) - rate.mean(axis=0))
    gap_calibrated = np.abs(calibrated.predict_proba(held_texts).mean(axis=0) - rate.mean(axis=0))
    assert (gap_calibrated < 0.03).all() and (gap_raw > 0.05).all()
    ece = [expected_calibration_error(rate[:, k], calibrated.predict_proba(held_texts)[:, k]) for k in range(4)]
    assert max(ece) < 0.05


def test_thresholds_are_chosen_on_calibrated_out_of_fold_probabilities():
    model = ToneModel(TINY_SETTINGS).fit([t for t, _ in TINY], [labels for _, labels in TINY])
    y = np.array([[t in labels for t in model.classes_] for _, labels in TINY])
    expected = [best_threshold(y[:, k], model.oof_probs_[:, k]) for k in range(4)]
    np.testing.assert_allclose(model.thresholds_, expected)
