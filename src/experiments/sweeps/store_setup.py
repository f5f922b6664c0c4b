"""A Hydra callback that prepares the MLflow store once, before the parallel jobs of a sweep start."""

from __future__ import annotations

import logging
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.tracking.credentials import redact
from experiments.tracking.store import default_artifact_location, ensure_experiment

__all__ = ["PrepareTrackingStore", "default_artifact_location", "ensure_experiment"]

logger = logging.getLogger(__name__)


class PrepareTrackingStore(Callback):
    """Creates the tracking store (e.g. a fresh SQLite database) and the experiment in the launching process.

    Without it, parallel jobs (joblib, submitit) that all find an empty SQLite file race to create its
    tables, and all but one fail. Registered under ``hydra.callbacks`` in ``conf/train.yaml``.

    Args:
        tracking_uri: the store every job will log to.
        experiment_name: the experiment the jobs log into.
    """

    def __init__(self, tracking_uri: str, experiment_name: str) -> None:
        self.tracking_uri = tracking_uri
        self.experiment_name = experiment_name

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        experiment_id = ensure_experiment(self.tracking_uri, self.experiment_name)
        uri = redact(self.tracking_uri)
        logger.info("Sweep logs to MLflow experiment %r (%s) at %s", self.experiment_name, experiment_id, uri)
