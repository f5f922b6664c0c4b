"""Evaluation: threshold search, metric dictionaries and the per-epoch evaluator.

The names are imported on first use (:mod:`experiments.lazy`): the config checks read
``experiments.evaluation.thresholds`` without importing sentence-transformers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from experiments.lazy import lazy_exports

if TYPE_CHECKING:
    from experiments.evaluation.evaluator import PairClassificationEvaluator
    from experiments.evaluation.metrics import binary_metrics_at, multiclass_metrics, tuned_binary_metrics
    from experiments.evaluation.ranking import ranking_metrics
    from experiments.evaluation.thresholds import THRESHOLD_METRICS, ThresholdChoice, best_thresholds

_ORIGINS = {
    "PairClassificationEvaluator": "experiments.evaluation.evaluator",
    "binary_metrics_at": "experiments.evaluation.metrics",
    "multiclass_metrics": "experiments.evaluation.metrics",
    "tuned_binary_metrics": "experiments.evaluation.metrics",
    "ranking_metrics": "experiments.evaluation.ranking",
    "THRESHOLD_METRICS": "experiments.evaluation.thresholds",
    "ThresholdChoice": "experiments.evaluation.thresholds",
    "best_thresholds": "experiments.evaluation.thresholds",
}
__getattr__, __dir__ = lazy_exports(__name__, _ORIGINS)

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
