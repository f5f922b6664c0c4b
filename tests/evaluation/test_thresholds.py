"""The O(n log n) threshold search against a brute-force search with scikit-learn's metrics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, fbeta_score, matthews_corrcoef

from experiments.evaluation.thresholds import THRESHOLD_METRICS, best_thresholds, confusion_at_cuts

BETAS = (0.5, 1.0, 2.0)


def sklearn_metric(metric: str, beta: float) -> Callable[[np.ndarray, np.ndarray], float]:
    return {
        "accuracy": accuracy_score,
        "f1": lambda y, p: f1_score(y, p, zero_division=0),
        "fbeta": lambda y, p: fbeta_score(y, p, beta=beta, zero_division=0),
        "mcc": matthews_corrcoef,
    }[metric]


def brute_force(scores: np.ndarray, labels: np.ndarray, metric: str, beta: float) -> list[tuple[int, float]]:
    """(number predicted positive, metric) for every distinct way a threshold can split the scores.

    Predicting ``scores > s`` for every distinct score ``s`` and ``scores > -inf`` covers all the splits.
    """
    score_fn = sklearn_metric(metric, beta)
    cuts = [*np.unique(scores), -np.inf]
    return [(int(np.sum(scores > cut)), float(score_fn(labels, (scores > cut).astype(int)))) for cut in cuts]


def check_against_brute_force(scores: np.ndarray, labels: np.ndarray, beta: float) -> None:
    choices = best_thresholds(scores, labels, beta)
    for metric in THRESHOLD_METRICS:
        splits = brute_force(scores, labels, metric, beta)
        best_value = max(value for _, value in splits)
        choice = choices[metric]
        predicted = (scores > choice.threshold).astype(int)
        assert choice.value == pytest.approx(best_value, abs=1e-12), metric
        assert sklearn_metric(metric, beta)(labels, predicted) == pytest.approx(best_value, abs=1e-12), metric
        # Among equally good splits the highest threshold, i.e. the fewest predicted positives, wins.
        fewest = min(positives for positives, value in splits if value >= best_value - 1e-12)
        assert int(predicted.sum()) == fewest, metric
        true_pos = int(np.sum(predicted & labels))
        assert choice.precision == pytest.approx(true_pos / predicted.sum() if predicted.sum() else 0.0)
        assert choice.recall == pytest.approx(true_pos / labels.sum() if labels.sum() else 0.0)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("seed", [0, 1])
def test_random_scores_match_brute_force(seed: int, beta: float):
    rng = np.random.default_rng(seed)
    labels = (rng.random(80) < 0.2).astype(int)
    scores = np.clip(rng.normal(0.3 + 0.3 * labels, 0.2), 0, 1)
    check_against_brute_force(scores, labels, beta)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("decimals", [1, 2])
def test_heavily_tied_scores_match_brute_force(decimals: int, beta: float):
    rng = np.random.default_rng(decimals)
    labels = (rng.random(200) < 0.3).astype(int)
    scores = np.round(np.clip(rng.normal(0.4 + 0.2 * labels, 0.25), 0, 1), decimals)
    assert len(np.unique(scores)) <= 10**decimals + 1
    check_against_brute_force(scores, labels, beta)


def test_majority_positive_data_predicts_every_pair_positive():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    labels = np.array([1, 1, 0, 1, 1])
    check_against_brute_force(scores, labels, 1.0)
    f1 = best_thresholds(scores, labels)["f1"]
    assert f1.value == pytest.approx(2 * 4 / (2 * 4 + 1))
    assert f1.threshold < 0.1


@pytest.mark.filterwarnings("ignore:A single label was found")
@pytest.mark.parametrize("label", [0, 1])
def test_all_one_class(label: int):
    scores = np.array([0.2, 0.7, 0.7, 0.9])
    labels = np.full(4, label)
    check_against_brute_force(scores, labels, 1.0)
    choices = best_thresholds(scores, labels)
    assert choices["accuracy"].value == 1.0
    assert choices["mcc"].value == 0.0
    if label == 1:
        assert choices["f1"].value == 1.0 and choices["accuracy"].threshold < 0.2
    else:
        assert choices["f1"].value == 0.0 and choices["accuracy"].threshold == 0.9


def test_a_single_distinct_score_allows_none_or_all_positive():
    scores = np.full(3, 0.5)
    labels = np.array([0, 1, 1])
    check_against_brute_force(scores, labels, 1.0)
    thresholds, true_pos, false_pos, false_neg, true_neg = confusion_at_cuts(scores, labels)
    assert thresholds.tolist() == [0.5, np.nextafter(0.5, 0.0)]
    assert (true_pos.tolist(), false_pos.tolist(), false_neg.tolist(), true_neg.tolist()) == (
        [0, 2],
        [0, 1],
        [2, 0],
        [1, 0],
    )
    choices = best_thresholds(scores, labels)
    assert choices["accuracy"].value == pytest.approx(2 / 3)
    assert choices["f1"].value == pytest.approx(0.8)


@pytest.mark.parametrize(("label", "accuracy_threshold"), [(0, 0.3), (1, np.nextafter(0.3, 0.0))])
def test_a_single_pair(label: int, accuracy_threshold: float):
    choices = best_thresholds(np.array([0.3]), np.array([label]))
    assert choices["accuracy"].value == 1.0
    assert choices["accuracy"].threshold == accuracy_threshold


def test_hand_computed_cuts_with_ties():
    scores = np.array([0.9, 0.8, 0.8, 0.3])
    labels = np.array([1, 1, 0, 0])
    thresholds, true_pos, false_pos, _, _ = confusion_at_cuts(scores, labels)
    assert thresholds.tolist() == pytest.approx([0.9, 0.85, 0.55, np.nextafter(0.3, 0.0)])
    assert true_pos.tolist() == [0, 1, 2, 2]
    assert false_pos.tolist() == [0, 0, 1, 2]
    choices = best_thresholds(scores, labels)
    assert choices["accuracy"].value == 0.75 and choices["accuracy"].threshold == pytest.approx(0.85)
    assert choices["f1"].value == pytest.approx(0.8) and choices["f1"].threshold == pytest.approx(0.55)


def test_neighbouring_floats_are_still_split():
    low = 1.0
    high = np.nextafter(low, 2.0)
    scores, labels = np.array([high, low]), np.array([1, 0])
    choice = best_thresholds(scores, labels)["accuracy"]
    assert choice.value == 1.0
    assert ((scores > choice.threshold).astype(int) == labels).all()


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="1 of 2 scores are NaN or infinite"):
        best_thresholds(np.array([0.1, np.nan]), np.array([0, 1]))
    with pytest.raises(ValueError, match="2 scores but 1 labels"):
        best_thresholds(np.array([0.1, 0.2]), np.array([0]))
    with pytest.raises(ValueError, match="no scores to threshold"):
        best_thresholds(np.array([]), np.array([]))
    with pytest.raises(ValueError, match=r"binary labels must be 0 or 1, got \[0, 2\]"):
        best_thresholds(np.array([0.1, 0.2]), np.array([0, 2]))
