"""Evaluation: threshold search, metric dictionaries and the per-epoch evaluator."""

from __future__ import annotations

from experiments.evaluation.evaluator import PairClassificationEvaluator
from experiments.evaluation.metrics import (
    binary_metrics_at,
    multiclass_metrics,
    tuned_binary_metrics,
)
from experiments.evaluation.ranking import ranking_metrics
from experiments.evaluation.thresholds import THRESHOLD_METRICS, ThresholdChoice, best_thresholds

__all__ = [
    "THRESHOLD_METRICS",
    "PairClassificationEvaluator",
    "ThresholdChoice",
    "best_thresholds",
    "binary_metrics_at",
    "multiclass_metrics",
    "ranking_metrics",
    "tuned_binary_metrics",
]
