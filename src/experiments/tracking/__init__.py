"""Experiment tracking for the ``tracking`` config group."""

from __future__ import annotations

from experiments.tracking.epoch_logger import EpochMetricsLogger
from experiments.tracking.mlflow_tracker import MlflowTracker, flatten

__all__ = ["EpochMetricsLogger", "MlflowTracker", "flatten"]
