"""Tests over test examples, almost stochastic order, Holm and power, against cases whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.evaluation.test_scores import TestScores
from experiments.reporting.power import paired_t_power, seeds_needed
from experiments.reporting.significance import (
    aso,
    example_bootstrap,
    holm,
    resample_counts,
    seed_interval,
    violation_ratio,
)

THRESHOLDS = {"accuracy": 0.5, "f1": 0.5, "fbeta": 0.5, "mcc": 0.5}


def run(rng: np.random.Generator, labels: np.ndarray, signal: float, groups: np.ndarray | None = None) -> TestScores:
    """A run's test scores: a logistic score with ``signal`` separating the classes, noise drawn per pair."""
    logits = signal * (2 * labels - 1) + rng.normal(0.0, 1.0, len(labels))
    return TestScores(1 / (1 + np.exp(-logits)), labels, groups, THRESHOLDS, ["0", "1"])


def arm(rng: np.random.Generator, labels: np.ndarray, signal: float, seeds: int = 3, groups=None) -> list[TestScores]:
    return [run(rng, labels, signal, groups) for _ in range(seeds)]


def test_resampled_counts_draw_every_unit_size_times():
    counts = resample_counts(np.random.default_rng(0), 500, 40)
    assert counts.shape == (500, 40) and (counts.sum(axis=1) == 40).all()
    assert counts.mean() == pytest.approx(1.0) and counts.max() >= 4  # with replacement


@pytest.mark.parametrize("metric", ["f1", "mcc", "average_precision", "map", "mrr"])
def test_identical_runs_give_p_1_and_a_zero_interval(metric: str):
    rng = np.random.default_rng(1)
    labels = (rng.random(240) < 0.2).astype(np.int64)
    groups = np.repeat([f"q{k}" for k in range(40)], 6)
    runs = arm(rng, labels, 1.0, groups=groups)
    result = example_bootstrap(runs, runs, metric, resamples=500)
    assert result.p == 1.0 and result.delta == 0.0 and result.low == 0.0 and result.high == 0.0
    ranked = sum(0 < labels[groups == group].sum() < 6 for group in np.unique(groups))  # a right and a wrong pair
    assert (result.unit, result.units) == (("questions", ranked) if metric in ("map", "mrr") else ("pairs", 240))


@pytest.mark.parametrize("metric", ["f1", "average_precision", "map"])
def test_a_planted_difference_is_found_with_an_interval_around_it(metric: str):
    rng = np.random.default_rng(2)
    labels = (rng.random(600) < 0.2).astype(np.int64)
    groups = np.repeat([f"q{k}" for k in range(100)], 6)
    better, worse = arm(rng, labels, 2.0, groups=groups), arm(rng, labels, 0.5, groups=groups)
    result = example_bootstrap(better, worse, metric, resamples=500)
    assert result.delta > 0 and result.p < 0.01 and 0 < result.low < result.delta < result.high
    reverse = example_bootstrap(worse, better, metric, resamples=500)
    assert reverse.delta == pytest.approx(-result.delta) and reverse.p < 0.01


def test_the_bootstrap_over_examples_holds_its_level_on_null_data():
    """200 test sets where both arms come from one distribution: about 5 % of the p-values fall below 0.05."""
    rng = np.random.default_rng(3)
    pvalues = []
    for trial in range(200):
        labels = (rng.random(200) < 0.25).astype(np.int64)
        first, second = arm(rng, labels, 1.0, seeds=1), arm(rng, labels, 1.0, seeds=1)
        pvalues.append(example_bootstrap(first, second, "f1", resamples=400, seed=trial).p)
    rate = np.mean(np.asarray(pvalues) < 0.05)
    assert 0.02 <= rate <= 0.09, rate  # 5 % ± 3 binomial standard errors at 200 trials
    assert 0.35 <= np.mean(np.asarray(pvalues) < 0.5) <= 0.65  # p is roughly uniform under the null


def test_runs_on_different_test_rows_are_refused():
    rng = np.random.default_rng(4)
    labels = (rng.random(100) < 0.3).astype(np.int64)
    other = labels.copy()
    other[:10] = 1 - other[:10]
    with pytest.raises(ValueError, match="different test rows"):
        example_bootstrap(arm(rng, labels, 1.0), arm(rng, other, 1.0), "f1", resamples=10)


def test_the_seed_interval_is_the_t_interval_of_the_paired_differences():
    low, high = seed_interval(np.array([0.5, 0.6, 0.7]), np.array([0.4, 0.5, 0.7]))
    # differences 0.1, 0.1, 0.0: mean 1/15, standard error 0.0577 / sqrt(3), t(0.975, 2) = 4.3027
    half = 4.302652729911275 * np.std([0.1, 0.1, 0.0], ddof=1) / math.sqrt(3)
    assert (low, high) == pytest.approx((1 / 15 - half, 1 / 15 + half))
    assert all(math.isnan(value) for value in seed_interval(np.array([0.5]), np.array([0.4])))


def test_holm_adjusts_step_down_and_skips_missing_values():
    # sorted 0.01, 0.03, 0.04, 0.5 of m = 4: 4 * 0.01, 3 * 0.03, max(2 * 0.04, 0.09), max(0.5, 0.09)
    assert holm([0.01, 0.04, 0.03, float("nan"), 0.5]) == pytest.approx([0.04, 0.09, 0.09, float("nan"), 0.5],
                                                                         nan_ok=True)  # fmt: skip
    assert holm([0.3, 0.6]).tolist() == [0.6, 0.6] and holm([0.9, 0.8]).tolist() == [1.0, 1.0]
    assert np.isnan(holm([float("nan")])).all()


def test_violation_ratio_matches_hand_computed_quantiles():
    # dt = 0.25: t = 0.25, 0.5, 0.75; quantiles of a = (1, 2): 1, 1, 2; of b = (1.5, 1.5): 1.5 everywhere.
    # Squared distance 3 * 0.5² * 0.25; a lies below b at t = 0.25 and 0.5, but the first point is left out of the
    # violation integral (as in deepsig): 0.5² * 0.25 / (3 * 0.5² * 0.25) = 1/3, and 1/3 the other way round too.
    assert violation_ratio(np.array([1.0, 2.0]), np.array([1.5, 1.5]), dt=0.25)[0] == pytest.approx(1 / 3)
    assert violation_ratio(np.array([1.5, 1.5]), np.array([1.0, 2.0]), dt=0.25)[0] == pytest.approx(1 / 3)
    assert violation_ratio(np.array([0.3, 0.3]), np.array([0.3, 0.3]))[0] == 0.5  # equal: undecided


def test_aso_says_which_arm_dominates():
    rng = np.random.default_rng(5)
    better, worse = rng.normal(0.8, 0.02, 10), rng.normal(0.6, 0.02, 10)
    assert aso(better, worse) == 0.0  # every quantile higher: stochastic order, ε_min 0
    assert aso(worse, better) > 0.99  # 1 but for the first point of the grid, which is left out
    close = aso(rng.normal(0.70, 0.05, 8), rng.normal(0.69, 0.05, 8))
    assert 0.0 < close <= 1.0


def test_paired_t_power_and_seeds_needed_match_cohens_tables():
    # a paired t-test at α = 0.05 needs 10 pairs for d = 1 (power 0.803) and 34 for d = 0.5 (power 0.808)
    assert paired_t_power(10, 1.0, 1.0) == pytest.approx(0.8031, abs=1e-4)
    assert seeds_needed(1.0, 1.0) == 10 and seeds_needed(0.5, 1.0) == 34 and seeds_needed(-0.5, 1.0) == 34
    assert paired_t_power(100, 1.0, 1.0) == pytest.approx(1.0)  # far in the tail: no NaN
    assert seeds_needed(0.0, 1.0) is None and seeds_needed(1e-4, 1.0) is None
    assert seeds_needed(0.1, float("nan")) is None
