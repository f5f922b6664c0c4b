"""Logs a run's test scores (:mod:`experiments.evaluation.test_scores`) as ``evaluation/test_scores.npz``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from experiments.evaluation.evaluator import PairClassificationEvaluator
from experiments.evaluation.test_scores import TEST_SCORES_ARTIFACT, TestScores
from experiments.evaluation.thresholds import THRESHOLD_METRICS
from experiments.tracking.mlflow_tracker import MlflowTracker

logger = logging.getLogger(__name__)


def run_test_scores(
    scores: np.ndarray, evaluator: PairClassificationEvaluator, best: Mapping[str, float], beta: float
) -> TestScores:
    """The test scores with what turns them into the run's test metrics: labels, groups, the dev thresholds."""
    thresholds = (
        {metric: float(best[f"dev_{metric}_threshold"]) for metric in THRESHOLD_METRICS if f"dev_{metric}_threshold"
         in best} if evaluator.head.binary else {}
    )  # fmt: skip
    return TestScores(
        scores=np.asarray(scores),
        labels=evaluator.labels,
        groups=np.asarray(evaluator.groups) if evaluator.groups is not None else None,
        thresholds=thresholds,
        label_names=evaluator.label_names,
        beta=beta,
        threshold_metric=evaluator.threshold_metric,
    )


def log_test_scores(
    tracker: MlflowTracker,
    scores: np.ndarray,
    evaluator: PairClassificationEvaluator,
    best: Mapping[str, float],
    beta: float,
) -> None:
    """Log ``evaluation/test_scores.npz`` for ``experiments-compare``'s tests over test examples."""
    folder, name = Path(TEST_SCORES_ARTIFACT).parent, Path(TEST_SCORES_ARTIFACT).name
    with tracker.artifact_dir(str(folder)) as directory:
        path = run_test_scores(scores, evaluator, best, beta).save(directory / name)
        logger.info("test scores saved (%s, %.0f kB)", TEST_SCORES_ARTIFACT, path.stat().st_size / 1024)
