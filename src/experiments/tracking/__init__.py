"""Experiment tracking for the ``tracking`` config group."""

from __future__ import annotations

from experiments.tracking.epoch_logger import EpochMetricsLogger
from experiments.tracking.mlflow_tracker import MlflowTracker, flatten
from experiments.tracking.sweep_callback import PrepareTrackingStore, ensure_experiment

__all__ = ["EpochMetricsLogger", "MlflowTracker", "PrepareTrackingStore", "ensure_experiment", "flatten"]
