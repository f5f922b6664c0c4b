"""Significance tests and effect sizes of a comparison: over seeds, over test examples, almost stochastic order, Holm.

- :func:`paired_pvalue`: two runs' metric paired by seed (t-test, Wilcoxon, bootstrap over seeds);
  :func:`seed_interval`: the t confidence interval of the mean paired difference.
- :func:`example_bootstrap`: the paired bootstrap over test examples (Efron & Tibshirani 1993; for NLP, Koehn 2004,
  Berg-Kirkpatrick et al. 2012, Dror et al. 2018 "The Hitchhiker's Guide to Testing Statistical Significance in
  Natural Language Processing"): every resample draws the test pairs (for MAP, MRR, nDCG the questions) with
  replacement, the same draw for both arms, and each arm's metric is the mean over its seeds' runs.
- :func:`aso`: almost stochastic order (del Barrio, Cuesta-Albertos & Matrán 2018; Dror, Shlomov & Reichart 2019
  "Deep Dominance"), the ε_min of the ``deepsig`` package (Ulmer et al. 2022), re-implemented with NumPy: deepsig is
  GPL-3 (this project is Apache-2.0) and brings joblib, dill, psutil and tqdm for a few lines of arithmetic.
- :func:`holm`: Holm's (1979) step-down adjustment for a family of tests. scipy has Benjamini-Hochberg
  (``false_discovery_control``) but not Holm; statsmodels is not a dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from experiments.errors import ConfigurationError
from experiments.evaluation.test_scores import TestScores
from experiments.reporting.example_metrics import metric_values, unit_name, units

SEED_TESTS = ("ttest", "wilcoxon", "bootstrap")
RESAMPLES = 10_000
CONFIDENCE = 0.95
# Resamples per block of :func:`example_bootstrap`: a block of counts is resamples × test units of float64.
BLOCK_CELLS = 4_000_000


def paired_pvalue(first: np.ndarray, second: np.ndarray, test: str, seed: int = 0) -> float:
    """Two-sided p-value that ``first`` and ``second`` differ, runs paired by seed (NaN below 2 pairs; 1 when
    every paired difference is 0: identical runs show no difference, where the tests themselves give NaN).

    ``ttest``: :func:`scipy.stats.ttest_rel`; ``wilcoxon``: :func:`scipy.stats.wilcoxon`; ``bootstrap``: twice
    the smaller share of paired bootstrap resamples of the seeds whose mean difference is ≤ 0 or ≥ 0 (at most 1).
    """
    if test not in SEED_TESTS:
        raise ConfigurationError(f"--test must be one of {list(SEED_TESTS)}, got {test!r}")
    if len(first) < 2:
        return float("nan")
    difference = np.asarray(first, dtype=float) - np.asarray(second, dtype=float)
    if not np.any(difference):
        return 1.0
    if test == "ttest":
        return float(stats.ttest_rel(first, second).pvalue)
    if test == "wilcoxon":
        return float(stats.wilcoxon(first, second).pvalue)
    rng = np.random.default_rng(seed)
    samples = difference[rng.integers(0, len(difference), size=(RESAMPLES, len(difference)))]
    means = samples.mean(axis=1)
    return float(min(1.0, 2 * min(np.mean(means <= 0), np.mean(means >= 0))))


def seed_interval(first: np.ndarray, second: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The t confidence interval of the mean of ``first - second`` (paired by seed); NaN below 2 pairs."""
    difference = np.asarray(first, dtype=float) - np.asarray(second, dtype=float)
    if len(difference) < 2:
        return float("nan"), float("nan")
    mean, error = difference.mean(), stats.sem(difference)
    if error == 0:
        return float(mean), float(mean)
    low, high = stats.t.interval(confidence, len(difference) - 1, loc=mean, scale=error)
    return float(low), float(high)


@dataclass(frozen=True)
class ExampleTest:
    """The paired bootstrap over test examples of one metric, arm ``first`` against arm ``second``.

    ``delta``: the difference of the arms' means over seeds on the whole test set; ``low``/``high``: its
    percentile confidence interval; ``p``: two-sided, ``(1 + #{|δ* − δ| ≥ |δ|}) / (1 + resamples)`` (the
    resampled differences shifted to the null, so identical arms give p = 1); ``units``: pairs or questions drawn.
    """

    delta: float
    low: float
    high: float
    p: float
    units: int
    unit: str
    resamples: int


def same_test_set(runs: Sequence[TestScores]) -> bool:
    """Whether every run was scored on the same test rows (labels and query groups equal, row by row)."""
    first = runs[0]
    for run in runs[1:]:
        if len(run.labels) != len(first.labels) or not np.array_equal(run.labels, first.labels):
            return False
        if (run.groups is None) != (first.groups is None):
            return False
        if run.groups is not None and not np.array_equal(run.groups, first.groups):
            return False
    return True


def resample_counts(rng: np.random.Generator, resamples: int, size: int) -> np.ndarray:
    """``resamples`` bootstrap draws of ``size`` units as counts (resamples × size): how often each unit is drawn."""
    draws = rng.integers(0, size, size=(resamples, size)) + size * np.arange(resamples)[:, None]
    return np.bincount(draws.ravel(), minlength=resamples * size).reshape(resamples, size).astype(np.float64)


def example_bootstrap(
    first: Sequence[TestScores],
    second: Sequence[TestScores],
    metric: str,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> ExampleTest:
    """The paired bootstrap over test examples of ``metric`` (no ``test_`` prefix), each arm pooled over its runs.

    Raises:
        ValueError: the runs were not scored on the same test rows.
        KeyError: the metric cannot be recomputed from the saved scores.
    """
    runs = [*first, *second]
    if not first or not second:
        raise ValueError("each arm needs at least one run with test scores")
    if not same_test_set(runs):
        raise ValueError("the runs were scored on different test rows")
    size = units(runs[0], metric)
    if size == 0:
        raise KeyError(metric)

    def delta(counts: np.ndarray) -> np.ndarray:
        one = np.mean([metric_values(run, metric, counts) for run in first], axis=0)
        other = np.mean([metric_values(run, metric, counts) for run in second], axis=0)
        return one - other

    observed = float(delta(np.ones((1, size)))[0])
    rng = np.random.default_rng(seed)
    block = max(1, BLOCK_CELLS // size)
    deltas = np.concatenate([
        delta(resample_counts(rng, min(block, resamples - start), size)) for start in range(0, resamples, block)
    ])  # fmt: skip
    deltas = deltas[np.isfinite(deltas)]  # a resample without a positive has no AP
    if not np.isfinite(observed) or len(deltas) == 0:
        return ExampleTest(observed, float("nan"), float("nan"), float("nan"), size, unit_name(metric), resamples)
    tail = (1 - confidence) / 2
    low, high = np.quantile(deltas, [tail, 1 - tail])
    extreme = np.abs(deltas - observed) >= abs(observed) - 1e-12
    p = (1 + int(extreme.sum())) / (1 + len(deltas))
    return ExampleTest(observed, float(low), float(high), float(p), size, unit_name(metric), len(deltas))


def _quantiles(samples: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The empirical quantile function of each row of ``samples`` at ``levels``: the ⌈n t⌉-th smallest value."""
    ordered = np.sort(samples, axis=-1)
    n = ordered.shape[-1]
    index = np.clip(np.ceil(n * levels).astype(int) - 1, 0, n - 1)
    return ordered[..., index]


def violation_ratio(first: np.ndarray, second: np.ndarray, dt: float = 0.005) -> np.ndarray:
    """ε_W2: the share of the squared Wasserstein-2 distance where ``first``'s quantiles lie below ``second``'s.

    0: ``first`` is stochastically larger (better, for higher-is-better scores); 1: ``second`` is. Rows of 2-D
    inputs are separate samples. As deepsig computes it (the grid t = dt, 2 dt, ... < 1; the first point of the
    violation integral left out; 0.5 when the distributions are equal).
    """
    levels = np.arange(dt, 1, dt)
    f, g = _quantiles(np.atleast_2d(first), levels), _quantiles(np.atleast_2d(second), levels)
    difference = g - f
    distance = np.sum(difference**2 * dt, axis=-1)
    violation = np.sum(np.where(f < g, difference, 0.0)[..., 1:] ** 2 * dt, axis=-1)
    ratio = np.full(distance.shape, 0.5)
    np.divide(violation, distance, out=ratio, where=distance > 0)
    return ratio


def aso(
    first: Sequence[float],
    second: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = 1000,
    dt: float = 0.005,
    seed: int = 0,
) -> float:
    """ε_min of almost stochastic order: an upper confidence bound on how far ``first`` is from dominating ``second``.

    ε_min < 0.5 says ``first`` is better more often than not (Dror et al. 2019 use a threshold τ = 0.5; stricter
    work 0.2); ε_min near 1 says ``second`` dominates. Scores are higher-is-better (negate a loss). σ is the
    bootstrap spread of √(nm/(n+m))(ε* − ε), each resample drawn from the empirical quantile functions.
    """
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if len(first) == 0 or len(second) == 0:
        return float("nan")
    ratio = float(violation_ratio(first, second, dt)[0])
    rng = np.random.default_rng(seed)
    redrawn_first = _quantiles(first, rng.uniform(0, 1, (resamples, len(first))))
    redrawn_second = _quantiles(second, rng.uniform(0, 1, (resamples, len(second))))
    ratios = violation_ratio(redrawn_first, redrawn_second, dt)
    scale = np.sqrt(len(first) * len(second) / (len(first) + len(second)))
    sigma = np.std(scale * (ratios - ratio))
    return float(np.clip(ratio - sigma / scale * stats.norm.ppf(1 - confidence), 0, 1))


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values (NaN stays NaN and is not counted): the i-th smallest of m becomes
    max over j ≤ i of min(1, (m − j + 1) p_(j)). Reject where the adjusted p < α: family-wise error ≤ α."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    present = np.flatnonzero(np.isfinite(p))
    if len(present) == 0:
        return adjusted
    order = present[np.argsort(p[present], kind="stable")]
    m = len(order)
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted
