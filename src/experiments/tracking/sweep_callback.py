"""A Hydra callback that prepares the MLflow store once, before the parallel jobs of a sweep start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from experiments.credentials import redact
from experiments.tracking.store_lock import store_lock

logger = logging.getLogger(__name__)


def default_artifact_location(tracking_uri: str, experiment_name: str) -> str | None:
    """For a SQLite store, ``mlartifacts/<experiment>`` beside the database file; else the server's default.

    MLflow's own default for a database store is ``./mlruns`` in whatever folder the job runs from, which
    scatters artifacts; beside the database they travel with it.
    """
    if not tracking_uri.startswith("sqlite:///"):
        return None
    database = Path(tracking_uri.removeprefix("sqlite:///")).expanduser().resolve()
    return (database.parent / "mlartifacts" / experiment_name).as_uri()


def ensure_experiment(tracking_uri: str, experiment_name: str) -> str:
    """The id of ``experiment_name``, created if missing; safe when several processes race to create it.

    A new SQLite store is created under :func:`~experiments.tracking.store_lock.store_lock`.
    """
    with store_lock(tracking_uri):
        client = MlflowClient(tracking_uri=tracking_uri)
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is not None:
            return experiment.experiment_id
        try:
            return client.create_experiment(
                experiment_name, artifact_location=default_artifact_location(tracking_uri, experiment_name)
            )
        except MlflowException:  # another process (e.g. on a server) created it first
            experiment = client.get_experiment_by_name(experiment_name)
            if experiment is None:
                raise
            return experiment.experiment_id


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
