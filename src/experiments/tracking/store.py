"""The MLflow experiment every run logs into: created once, beside a SQLite store, tagged as model training."""

from __future__ import annotations

from pathlib import Path

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from experiments.tracking.store_lock import store_lock

# The experiment kind "Machine learning" in MLflow's UI. MLflow 3.17's UI does not open the experiment's view
# from it: experiments.mlflow_ui (`mlflow ui --app-name experiments`) makes a fresh browser land on the runs table.
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"


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

    The experiment is tagged ``mlflow.experimentKind=custom_model_development``; an existing experiment
    without that tag gets it (one with another kind, set by a person, is left as it is). A new SQLite store
    is created under :func:`~experiments.tracking.store_lock.store_lock`, so processes started together all
    find it whole.
    """
    with store_lock(tracking_uri):
        client = MlflowClient(tracking_uri=tracking_uri)
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is not None:
            if EXPERIMENT_KIND_TAG not in experiment.tags:
                client.set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
            return experiment.experiment_id
        try:
            return client.create_experiment(
                experiment_name,
                artifact_location=default_artifact_location(tracking_uri, experiment_name),
                tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND},
            )
        except MlflowException:  # another process (e.g. on a server) created it first
            experiment = client.get_experiment_by_name(experiment_name)
            if experiment is None:
                raise
            return experiment.experiment_id
