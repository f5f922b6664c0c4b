"""Experiment tracking for the ``tracking`` config group."""

from __future__ import annotations

from experiments.tracking.epoch_logger import EpochMetricsLogger
from experiments.tracking.mlflow_tracker import MlflowTracker, flatten
from experiments.tracking.names import mlflow_metric_name
from experiments.tracking.store import ensure_experiment

__all__ = [
    "EpochMetricsLogger",
    "MlflowTracker",
    "ensure_experiment",
    "flatten",
    "mlflow_metric_name",
]
