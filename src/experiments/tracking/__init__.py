"""Experiment tracking for the ``tracking`` config group.

The names are imported on first use (:mod:`experiments.lazy`): ``experiments-train`` reads
``experiments.tracking.credentials`` before anything else, without importing MLflow or transformers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from experiments.lazy import lazy_exports

if TYPE_CHECKING:
    from experiments.tracking.epoch_logger import EpochMetricsLogger
    from experiments.tracking.mlflow_tracker import MlflowTracker, flatten
    from experiments.tracking.names import mlflow_metric_name
    from experiments.tracking.store import ensure_experiment

_ORIGINS = {
    "EpochMetricsLogger": "experiments.tracking.epoch_logger",
    "MlflowTracker": "experiments.tracking.mlflow_tracker",
    "flatten": "experiments.tracking.mlflow_tracker",
    "mlflow_metric_name": "experiments.tracking.names",
    "ensure_experiment": "experiments.tracking.store",
}
__getattr__, __dir__ = lazy_exports(__name__, _ORIGINS)

__all__ = [
    "EpochMetricsLogger",
    "MlflowTracker",
    "ensure_experiment",
    "flatten",
    "mlflow_metric_name",
]
