"""Test metrics recomputed from saved test scores equal the project's metrics, for any weighting of the examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments.evaluation.metrics import binary_metrics_at, multiclass_metrics
from experiments.evaluation.ranking import ranking_metrics
from experiments.evaluation.test_scores import TestScores
from experiments.reporting.example_metrics import metric_values, supported, units

THRESHOLDS = {"accuracy": 0.7, "f1": 0.55, "fbeta": 0.5, "mcc": 0.6}
BINARY = ["accuracy", "f1", "fbeta", "mcc", "precision", "recall", "balanced_accuracy", "average_precision",
          "roc_auc", "ece", "brier"]  # fmt: skip
LABEL_NAMES = ["entailment", "n/a (unsure)", "contradiction"]


@pytest.fixture(scope="module")
def binary() -> TestScores:
    """600 pairs in 100 questions of 6, 10 % positive, scores rounded to 2 decimals (many ties)."""
    rng = np.random.default_rng(0)
    labels = (rng.random(600) < 0.1).astype(np.int64)
    scores = np.round(np.clip(0.3 * labels + rng.random(600) * 0.8, 0, 1), 2)
    groups = np.repeat([f"q{k}" for k in range(100)], 6)
    return TestScores(scores, labels, groups, THRESHOLDS, ["0", "1"], beta=2.0, threshold_metric="mcc")


@pytest.fixture(scope="module")
def multiclass() -> TestScores:
    rng = np.random.default_rng(1)
    return TestScores(rng.dirichlet(np.ones(3), 500), rng.integers(0, 3, 500), label_names=LABEL_NAMES)


def logged_binary(scores: TestScores, rows: np.ndarray) -> dict[str, float]:
    """What the runner logs for these rows (:func:`experiments.run.runner.test_metrics`)."""
    metrics = binary_metrics_at(scores.scores[rows], scores.labels[rows], THRESHOLDS, scores.beta, "mcc")
    return metrics | ranking_metrics(scores.scores[rows], scores.labels[rows], scores.groups[rows])


@pytest.mark.parametrize("metric", [*BINARY, "map", "mrr", "ndcg_at_10"])
def test_every_count_one_gives_the_logged_metric(binary: TestScores, metric: str):
    value = metric_values(binary, metric, np.ones((1, units(binary, metric))))
    assert value.shape == (1,) and value[0] == pytest.approx(logged_binary(binary, np.arange(600))[metric], abs=1e-12)


@pytest.mark.parametrize("metric", BINARY)
def test_counts_weigh_pairs_as_repeated_rows(binary: TestScores, metric: str):
    counts = np.random.default_rng(2).integers(0, 3, (3, 600))
    values = metric_values(binary, metric, counts)
    for count, value in zip(counts, values, strict=True):
        rows = np.repeat(np.arange(600), count)
        assert value == pytest.approx(logged_binary(binary, rows)[metric], abs=1e-12)


def test_ranking_metrics_weigh_whole_questions(binary: TestScores):
    ranked = units(binary, "map")
    counts = np.random.default_rng(3).integers(0, 3, ranked)
    per_question = [metric_values(binary, "map", np.eye(ranked)[k][None])[0] for k in range(ranked)]
    assert metric_values(binary, "map", counts[None])[0] == pytest.approx(np.average(per_question, weights=counts))
    assert ranked == sum(0 < binary.labels[k * 6 : k * 6 + 6].sum() < 6 for k in range(100))


@pytest.mark.parametrize(
    "metric",
    ["accuracy", "f1_macro", "f1_weighted", "balanced_accuracy", "mcc", "ece", "brier", "f1_n_a _unsure_",
     "recall_entailment", "precision_contradiction"],
)  # fmt: skip
def test_multiclass_metrics_and_per_class_names_match(multiclass: TestScores, metric: str):
    expected = multiclass_metrics(multiclass.scores, multiclass.labels, LABEL_NAMES)
    assert metric_values(multiclass, metric, np.ones((1, 500)))[0] == pytest.approx(expected[metric], abs=1e-12)
    counts = np.random.default_rng(4).integers(0, 3, 500)
    rows = np.repeat(np.arange(500), counts)
    weighted = multiclass_metrics(multiclass.scores[rows], multiclass.labels[rows], LABEL_NAMES)
    assert metric_values(multiclass, metric, counts[None])[0] == pytest.approx(weighted[metric], abs=1e-12)


def test_what_the_scores_cannot_give_is_unsupported(binary: TestScores, multiclass: TestScores):
    assert not supported(binary, "f1_threshold") and not supported(binary, "ece_uncalibrated")
    assert not supported(multiclass, "map") and not supported(multiclass, "f1")
    no_groups = TestScores(binary.scores, binary.labels, None, THRESHOLDS, ["0", "1"])
    assert not supported(no_groups, "map") and supported(no_groups, "f1")
    with pytest.raises(KeyError):
        metric_values(binary, "loss", np.ones((1, 600)))


def test_the_artifact_round_trips_without_pickle(binary: TestScores, multiclass: TestScores, tmp_path: Path):
    for scores in (binary, multiclass):
        loaded = TestScores.load(scores.save(tmp_path / "test_scores.npz"))
        assert np.array_equal(loaded.scores, scores.scores) and np.array_equal(loaded.labels, scores.labels)
        assert loaded.thresholds == dict(scores.thresholds) and loaded.label_names == list(scores.label_names)
        assert (loaded.beta, loaded.threshold_metric) == (scores.beta, scores.threshold_metric)
        assert (loaded.groups is None) == (scores.groups is None)
    assert np.array_equal(TestScores.load(binary.save(tmp_path / "b.npz")).groups, binary.groups)
    assert (tmp_path / "b.npz").stat().st_size < 20_000  # 600 pairs: compact
