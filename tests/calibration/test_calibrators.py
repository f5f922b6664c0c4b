"""Each calibrator against its formula on hand-made scores; ECE and Brier on known (mis)calibration."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.special import expit, softmax
from sklearn.metrics import average_precision_score, brier_score_loss

from experiments.calibration import (
    CALIBRATORS,
    Calibrator,
    ClassCounts,
    IsotonicCalibration,
    NoCalibration,
    PlattScaling,
    PriorCorrection,
    TemperatureScaling,
    calibrator_from_dict,
)
from experiments.config.location import config_dir
from experiments.errors import ConfigurationError
from experiments.evaluation.metrics import brier_score, expected_calibration_error
from experiments.evaluation.ranking import ranking_metrics
from experiments.heads import BinarySigmoidHead, BinarySoftmaxHead, MulticlassHead
from experiments.losses import FocalLoss, LogitAdjustedLoss, inverse_frequency_loss, plain_loss
from experiments.losses.priors import effective_class_counts
from experiments.models import tiny_cross_encoder
from experiments.regularization.fgm import AdversarialEmbeddingLoss

MONOTONE = [NoCalibration, PriorCorrection, TemperatureScaling, PlattScaling]
ALL = [*MONOTONE, IsotonicCalibration]


def miscalibrated_binary(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds of a model trained at 50 % on data with ~5 % positives, over-confident by a factor 2."""
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(-3.0, 2.0, n)
    labels = (rng.random(n) < expit(true_logits)).astype(int)
    return 2.0 * (true_logits + np.log(0.95 / 0.05)), labels


def test_prior_correction_of_a_model_trained_at_50_percent_in_a_5_percent_world():
    logits = np.array([-3.0, -0.5, 0.0, 1.0, 4.0])
    corrected = PriorCorrection().fit(logits, [0, 0, 1, 0, 1], ClassCounts([500, 500], [950, 50]))
    expected = expit(logits - np.log(0.5 / 0.5) + np.log(0.05 / 0.95))
    np.testing.assert_allclose(corrected.transform(logits), expected, rtol=1e-12)
    assert corrected.transform(np.array([0.0]))[0] == pytest.approx(0.05)  # "no evidence" gives the world's prior


def test_prior_correction_of_a_softmax_head_shifts_every_class_logit():
    logits = np.array([[2.0, 0.0, -1.0], [0.1, 0.2, 0.3], [-2.0, 3.0, 0.5]])
    trained, data = np.array([100, 100, 100]), np.array([600, 300, 100])
    calibrator = PriorCorrection().fit(logits, [0, 1, 2], ClassCounts(trained, data))
    expected = softmax(logits + np.log(data / data.sum()) - np.log(trained / trained.sum()), axis=1)
    np.testing.assert_allclose(calibrator.transform(logits), expected, rtol=1e-12)
    # Two softmax logits and their difference (binary_softmax's log-odds) get the same correction.
    two = np.array([[0.3, -1.2], [2.0, 2.5]])
    pair = PriorCorrection().fit(two, [0, 1], ClassCounts([1, 1], [19, 1]))
    log_odds = BinarySoftmaxHead().score_logits(two)
    np.testing.assert_allclose(pair.transform(two)[:, 1], pair.transform(log_odds), rtol=1e-12)


def test_prior_correction_needs_the_class_counts():
    with pytest.raises(ValueError, match=r"calibration=prior needs the class counts trained on and of the data"):
        PriorCorrection().fit(np.zeros(2), [0, 1])


def test_prior_correction_needs_positive_counts():
    with pytest.raises(ValueError, match=r"trained class counts must be a positive count per class, got \[10.0, 0.0\]"):
        PriorCorrection().fit(np.zeros(2), [0, 1], ClassCounts([10, 0], [9, 1]))


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0.0, 2.0, 20_000)
    labels = (rng.random(len(true_logits)) < expit(true_logits)).astype(int)
    calibrator = TemperatureScaling().fit(3.0 * true_logits, labels)
    assert calibrator.temperature == pytest.approx(3.0, rel=0.05)
    multiclass = rng.normal(0.0, 2.0, (20_000, 3))
    classes = np.array([rng.choice(3, p=p) for p in softmax(multiclass, axis=1)])
    assert TemperatureScaling().fit(0.5 * multiclass, classes).temperature == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize("calibrator_class", MONOTONE)
def test_a_monotone_calibrator_fitted_on_dev_keeps_ap_and_map_on_test(calibrator_class: type[Calibrator]):
    dev_logits, dev_labels = miscalibrated_binary(4000, seed=1)
    test_logits, test_labels = miscalibrated_binary(3000, seed=2)
    groups = [f"q{i // 10}" for i in range(len(test_labels))]
    calibrator = calibrator_class().fit(dev_logits, dev_labels, ClassCounts([1, 1], [19, 1]))
    before, after = expit(test_logits), calibrator.transform(test_logits)
    assert not np.allclose(before, after) or calibrator_class is NoCalibration
    assert average_precision_score(test_labels, after) == pytest.approx(average_precision_score(test_labels, before))
    assert ranking_metrics(after, test_labels, groups)["map"] == pytest.approx(
        ranking_metrics(before, test_labels, groups)["map"]
    )
    if calibrator_class in (PriorCorrection, PlattScaling):  # both move the base rate; temperature cannot
        assert expected_calibration_error(after, test_labels) < expected_calibration_error(before, test_labels) / 3


def test_isotonic_never_reverses_two_scores_and_repairs_the_calibration():
    dev_logits, dev_labels = miscalibrated_binary(4000, seed=1)
    test_logits, test_labels = miscalibrated_binary(3000, seed=2)
    calibrator = IsotonicCalibration().fit(dev_logits, dev_labels)
    after = calibrator.transform(np.sort(test_logits))
    assert (np.diff(after) >= 0).all()
    assert after.min() >= 0.0 and after.max() <= 1.0
    before_ece = expected_calibration_error(expit(test_logits), test_labels)
    assert expected_calibration_error(calibrator.transform(test_logits), test_labels) < before_ece / 3


@pytest.mark.parametrize("calibrator_class", [PlattScaling, IsotonicCalibration])
def test_binary_only_calibrators_refuse_a_multiclass_head(calibrator_class: type[Calibrator]):
    calibrator_class().check_head(BinarySigmoidHead())
    name = calibrator_class.name
    with pytest.raises(ConfigurationError, match=rf"^calibration={name} needs a binary head, got head=multiclass; "):
        calibrator_class().check_head(MulticlassHead())
    with pytest.raises(ValueError, match=rf"calibration={name} needs both classes \(0 and 1\) in dev, got \[0\]"):
        calibrator_class().fit(np.array([0.1, 0.2]), [0, 0])


def test_isotonic_refuses_a_dev_split_with_few_rows_of_a_class():
    IsotonicCalibration().check_dev([2723, 10], ["0", "1"])
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "calibration=isotonic needs at least 10 dev rows of each class to fit on, but dev has 3 of class '1' "
            "(39 rows); with fewer the step function has a step or two and most pairs get one probability: use "
            "calibration=platt"
        ),
    ):
        IsotonicCalibration().check_dev([36, 3], ["0", "1"])
    for calibrator_class in MONOTONE:  # a few parameters: one row of a class is enough to fit them
        calibrator_class().check_dev([36, 1], ["0", "1"])


@pytest.mark.parametrize("calibrator_class", ALL)
def test_a_fitted_calibrator_survives_json(calibrator_class: type[Calibrator]):
    dev_logits, dev_labels = miscalibrated_binary(2000, seed=3)
    fitted = calibrator_class().fit(dev_logits, dev_labels, ClassCounts([1, 1], [19, 1]))
    payload = json.loads(json.dumps(fitted.to_dict()))
    assert payload["name"] == calibrator_class.name
    restored = calibrator_from_dict(payload)
    grid = np.linspace(-30.0, 30.0, 2001)
    np.testing.assert_array_equal(restored.transform(grid), fitted.transform(grid))


def test_every_calibration_option_is_in_the_table_a_saved_model_names_it_by():
    options = {
        path.stem: yaml.safe_load(path.read_text()) for path in (Path(config_dir()) / "calibration").glob("*.yaml")
    }
    by_name = {name: f"{cls.__module__.rsplit('.', 1)[0]}.{cls.__name__}" for name, cls in CALIBRATORS.items()}
    assert {name: option["_target_"] for name, option in options.items()} == by_name
    assert set(CALIBRATORS.values()) == set(ALL)


def test_an_unfitted_calibrator_refuses_to_transform():
    with pytest.raises(RuntimeError, match="calibration=temperature is not fitted: call fit on dev first"):
        TemperatureScaling().transform(np.zeros(3))


def test_ece_of_perfectly_calibrated_scores_is_near_zero():
    rng = np.random.default_rng(0)
    scores = rng.random(200_000)
    labels = (rng.random(len(scores)) < scores).astype(int)
    assert expected_calibration_error(scores, labels) < 0.01


def test_ece_of_a_known_miscalibration_is_the_formula():
    # Half the rows say 0.25, half 0.75; each half is 50 % positive: |0.25 - 0.5| and |0.75 - 0.5|.
    scores = np.r_[np.full(100, 0.25), np.full(100, 0.75)]
    labels = np.r_[np.tile([0, 1], 50), np.tile([0, 1], 50)]
    assert expected_calibration_error(scores, labels) == pytest.approx(0.5 * 0.25 + 0.5 * 0.25)
    # Trained at 50 %, every score 0.5 in a 5 % world: ECE = 0.45.
    assert expected_calibration_error(np.full(100, 0.5), np.r_[np.ones(5), np.zeros(95)]) == pytest.approx(0.45)


def test_multiclass_ece_is_top_label():
    # Confidence 0.6 everywhere, argmax right on 3 of 4 rows: |0.6 - 0.75| = 0.15.
    probabilities = np.array([[0.6, 0.3, 0.1]] * 4)
    assert expected_calibration_error(probabilities, np.array([0, 0, 0, 1])) == pytest.approx(0.15)


def test_brier_binary_is_sklearn_and_multiclass_sums_over_classes():
    scores, labels = np.array([0.1, 0.8, 0.4]), np.array([0, 1, 1])
    assert brier_score(scores, labels) == pytest.approx(brier_score_loss(labels, scores))
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    expected = ((0.3**2 + 0.2**2 + 0.1**2) + (0.1**2 + 0.9**2 + 0.8**2)) / 2
    assert brier_score(probabilities, np.array([0, 1])) == pytest.approx(expected)


def test_a_class_weighted_loss_trains_at_the_weighted_priors():
    loss = inverse_frequency_loss(tiny_cross_encoder(num_labels=1), [950, 50])
    trained = effective_class_counts(loss, [950, 50])
    assert trained[0] == pytest.approx(trained[1])  # total / count per class: a balanced world
    assert effective_class_counts(AdversarialEmbeddingLoss(loss), [950, 50]) == trained  # FGM does not re-weight
    logits = np.array([-1.0, 0.0, 2.0])
    corrected = PriorCorrection().fit(logits, [0, 1, 1], ClassCounts(trained, [950, 50]))
    np.testing.assert_allclose(corrected.transform(logits), expit(logits + np.log(0.05 / 0.95)), rtol=1e-12)


def test_logit_adjusted_and_unweighted_losses_give_their_priors():
    counts = [900, 100]
    model = tiny_cross_encoder(num_labels=2)
    balanced = effective_class_counts(LogitAdjustedLoss(model, counts, tau=1.0), counts)
    assert balanced[0] == pytest.approx(balanced[1])
    half = effective_class_counts(LogitAdjustedLoss(model, counts, tau=0.5), counts)
    assert half[1] / half[0] == pytest.approx(np.sqrt(0.1 / 0.9))
    for unweighted in (plain_loss(model, counts), FocalLoss(model, counts, gamma=2.0)):
        assert effective_class_counts(unweighted, counts) == [900.0, 100.0]
        assert effective_class_counts(AdversarialEmbeddingLoss(unweighted), counts) == [900.0, 100.0]
