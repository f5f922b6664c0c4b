"""One MLflow run, owned from start to end: params, tags, stepped metrics, artifacts and the final status."""

from __future__ import annotations

import json
import logging
import tempfile
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from mlflow.entities import DatasetInput, Metric, Param, RunStatus, RunTag
from mlflow.exceptions import MlflowException
from mlflow.utils.time import get_current_time_millis

from experiments.distributed import is_main_process, process_rank
from experiments.errors import ConfigurationError, TrialPruned
from experiments.signals import Terminated
from experiments.tracking.credentials import redact
from experiments.tracking.names import mlflow_metrics
from experiments.tracking.store import ensure_experiment
from experiments.tracking.store_full import TrackingStoreFull, quiet_full_store_tracebacks, store_full_error
from experiments.tracking.store_lock import open_client, sqlite_database
from experiments.tracking.tags import PARENT_TAG, RESUMED_AFTER_TAG
from experiments.tracking.unreachable import GuardedClient, TrackingServerUnreachable, bound_http_retries

logger = logging.getLogger(__name__)

MAX_PARAM_LENGTH = 6000
# A dataset row raced in by a parallel job makes the insert fail once (see log_inputs); how SQLite,
# PostgreSQL and MySQL word that failure.
DATASET_INSERT_ATTEMPTS = 3
DUPLICATE_KEY_ERRORS = ("UNIQUE constraint failed", "duplicate key value", "Duplicate entry")
BATCH_SIZE = 100


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level of dotted keys; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def check_server(tracking_uri: str, timeout: float) -> None:
    """Fail within ``timeout`` seconds when an http(s) tracking server does not answer its ``/health`` endpoint.

    ``MlflowClient`` retries an unreachable server for minutes; this check fails at once instead.
    Other URIs (a SQLite file, a local folder) need no server and pass.
    """
    if not tracking_uri.startswith(("http://", "https://")):
        return
    url = f"{tracking_uri.rstrip('/')}/health"
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as error:
        raise ConfigurationError(
            f"tracking.tracking_uri={redact(tracking_uri)!r}: the MLflow server did not answer {redact(url)} "
            f"within {timeout:g} s "
            f"({type(error).__name__}); start the server or point tracking.tracking_uri elsewhere"
        ) from error
    if not response.ok:
        logger.warning("%s answered %d; going on, MLflow requests may fail", redact(url), response.status_code)


@contextmanager
def read_only_store_named(tracking_uri: str) -> Iterator[None]:
    """A SQLite store that cannot be written (read-only, or its disk full) fails with one line naming the database,
    not SQLAlchemy's traceback."""
    try:
        yield
    except MlflowException as error:
        full = store_full_error(error, tracking_uri)
        if full is not None:
            raise full from None
        if "readonly database" not in str(error):
            raise
        database = sqlite_database(tracking_uri)
        raise ConfigurationError(
            f"tracking.tracking_uri={redact(tracking_uri)!r}: the database {database} cannot be written (attempt "
            "to write a readonly database); check the permissions of the file and its folder, or point "
            "tracking.tracking_uri elsewhere"
        ) from None


class MlflowTracker:
    """Logs one run through :class:`mlflow.tracking.MlflowClient`, never through the global active run.

    Use as a context manager: the run starts on entry and ends FINISHED, or FAILED (KILLED on Ctrl-C or
    SIGTERM, :class:`~experiments.signals.Terminated`) with the error in the tag ``error`` and the traceback
    as an artifact, when the block raises. An optuna trial stopped by its pruner
    (:class:`~experiments.errors.TrialPruned`) ends KILLED with the tags ``pruned`` and ``pruned_at_epoch``.
    When the server stops answering (:class:`~experiments.tracking.unreachable.TrackingServerUnreachable`) the run
    is left RUNNING for ``resume=true`` to continue.
    In a multi-process run (``torchrun``) only rank 0 creates and writes the run; on the other ranks
    every method does nothing, so one training never makes more than one run.

    Args:
        tracking_uri: e.g. ``sqlite:///mlflow.db`` or ``http://127.0.0.1:5000``.
        experiment_name: created when missing.
        run_name: shown in the MLflow UI.
        tags: set when the run starts.
        run_id: continue this run (set RUNNING again) instead of creating one, e.g. when resuming
            a killed job; params it already holds are not logged again, and its ``error`` tag (what stopped it)
            becomes ``resumed_after``.
        health_timeout: seconds to wait for an http(s) server's ``/health`` before failing.
        log_model: log the trained classifier as an MLflow logged model ``model`` of the run, its metrics
            linked to it (:mod:`experiments.tracking.pyfunc_model`).
        register_model: also register that model under this name in the MLflow Model Registry.
    """

    def __init__(
        self,
        tracking_uri: str,
        experiment_name: str,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        run_id: str | None = None,
        health_timeout: float = 5.0,
        log_model: bool = True,
        register_model: str | None = None,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.log_model = log_model
        self.register_model = register_model
        self.experiment_name = experiment_name
        self.run_name = run_name
        self.tags = dict(tags or {})
        self.health_timeout = health_timeout
        if tracking_uri.startswith(("http://", "https://")):
            bound_http_retries()
        quiet_full_store_tracebacks()
        self.client = GuardedClient(open_client(tracking_uri), tracking_uri)
        self.run_id: str | None = None
        self._resume_run_id = run_id
        self._logged_params: dict[str, str] = {}
        self.enabled = is_main_process()

    def child(self, run_name: str, tags: Mapping[str, str]) -> MlflowTracker:
        """A tracker for a new run nested under this one (started when its block is entered).

        It logs to the same store and experiment with this run's tags, ``tags`` and the parent tag; it logs
        its model as this one does and registers none.
        """
        return MlflowTracker(
            self.tracking_uri,
            self.experiment_name,
            run_name,
            {**self.tags, PARENT_TAG: str(self.run_id), **tags},
            health_timeout=self.health_timeout,
            log_model=self.log_model,
        )

    def start(self) -> str | None:
        if not self.enabled:
            logger.info("Rank %d: MLflow run left to rank 0", process_rank())
            return None
        check_server(self.tracking_uri, self.health_timeout)
        with read_only_store_named(self.tracking_uri):
            if self._resume_run_id is not None:
                return self._reopen(self._resume_run_id)
            experiment_id = ensure_experiment(self.tracking_uri, self.experiment_name)
            run = self.client.create_run(experiment_id, run_name=self.run_name, tags=self.tags)
        self.run_id = run.info.run_id
        uri = redact(self.tracking_uri)
        logger.info("MLflow run %s in experiment %r at %s", self.run_id, self.experiment_name, uri)
        return self.run_id

    def _reopen(self, run_id: str) -> str:
        try:
            run = self.client.get_run(run_id)
        except MlflowException as error:
            raise ConfigurationError(
                f"MLflow run {run_id} to resume is not in {redact(self.tracking_uri)}: {redact(str(error))}"
            ) from error
        self.client.update_run(run_id, status=RunStatus.to_string(RunStatus.RUNNING))
        self.run_id = run_id
        self._logged_params = dict(run.data.params)
        if "error" in run.data.tags:  # what stopped the run before is history now, not its outcome
            self.client.delete_tag(run_id, "error")
            self.tags = {RESUMED_AFTER_TAG: run.data.tags["error"], **self.tags}
        self.set_tags(self.tags)
        logger.info("Continuing MLflow run %s (was %s) at %s", run_id, run.info.status, redact(self.tracking_uri))
        return run_id

    def end(self, status: str = "FINISHED") -> None:
        if self.enabled and self.run_id is not None:
            self.client.set_terminated(self.run_id, status=status)

    def __enter__(self) -> MlflowTracker:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if not self.enabled:
            return
        if exc is None:
            self.end(RunStatus.to_string(RunStatus.FINISHED))
            return
        if isinstance(exc, TrackingServerUnreachable):
            logger.error("MLflow run %s stays RUNNING until resume=true continues it: %s", self.run_id, exc)
            return
        if isinstance(exc, TrialPruned):  # a pruner stopped the trial: not an error of the run
            self.set_tags({"error": f"TrialPruned: {exc}", "pruned": "true", "pruned_at_epoch": exc.epoch})
            self.end(RunStatus.to_string(RunStatus.KILLED))
            return
        status = RunStatus.to_string(
            RunStatus.KILLED if isinstance(exc, KeyboardInterrupt | Terminated) else RunStatus.FAILED
        )
        # The status first: an update in place, which a store whose disk is full can usually still take.
        # The run's own error stays the one raised.
        try:
            self.end(status)
        except (TrackingServerUnreachable, TrackingStoreFull) as error:
            stays = "MLflow run %s could not be marked %s and stays RUNNING until resume=true continues it: %s"
            logger.error(stays, self.run_id, status, error)
            return
        try:
            self.set_tags({"error": redact(f"{type(exc).__name__}: {exc}")[:5000]})
            self.log_text(redact("".join(traceback.format_exception(exc_type, exc, tb))), "error.txt")
        except (TrackingServerUnreachable, TrackingStoreFull) as error:
            logger.error("MLflow run %s is marked %s; its error could not be recorded: %s", self.run_id, status, error)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log params; in a continued run, those already logged are kept (MLflow params cannot change)."""
        if not self.enabled:
            return
        entries = []
        for key, value in flatten(params).items():
            text = _param_value(value)
            if key in self._logged_params:
                if self._logged_params[key] != text:
                    logger.warning(
                        "param %s=%s differs from the logged %s; kept the logged value",
                        key,
                        text,
                        self._logged_params[key],
                    )
                continue
            entries.append(Param(key, text))
            self._logged_params[key] = text
        for start in range(0, len(entries), BATCH_SIZE):
            self.client.log_batch(self._run(), params=entries[start : start + BATCH_SIZE])

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        if not self.enabled:
            return
        entries = [RunTag(key, str(value)) for key, value in tags.items()]
        for start in range(0, len(entries), BATCH_SIZE):
            self.client.log_batch(self._run(), tags=entries[start : start + BATCH_SIZE])

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Log metrics under their MLflow names (:func:`experiments.tracking.names.mlflow_metric_name`)."""
        if not self.enabled:
            return
        now = get_current_time_millis()
        entries = [Metric(key, float(value), now, int(step)) for key, value in mlflow_metrics(metrics).items()]
        for start in range(0, len(entries), BATCH_SIZE):
            self.client.log_batch(self._run(), metrics=entries[start : start + BATCH_SIZE])

    def log_inputs(self, inputs: list[DatasetInput]) -> None:
        """Dataset inputs (:func:`experiments.tracking.datasets.split_inputs`).

        Jobs of a parallel sweep log the same datasets at once: MLflow's store inserts a new dataset row
        unchecked, and the slower insert fails on the unique key. The dataset then exists, so a second
        attempt links it to the run.
        """
        if not (self.enabled and inputs):
            return
        for attempt in range(DATASET_INSERT_ATTEMPTS):
            try:
                self.client.log_inputs(self._run(), datasets=inputs)
                return
            except MlflowException as error:
                duplicate = any(words in str(error) for words in DUPLICATE_KEY_ERRORS)
                if not duplicate or attempt == DATASET_INSERT_ATTEMPTS - 1:
                    raise
                logger.info("Another job logged the same dataset at the same moment; linking it again")

    def log_classifier(self, model_dir: str | Path) -> str | None:
        """The saved classifier as the run's logged model (when ``log_model``), registered when ``register_model``.

        Returns its URI ``models:/<model id>``, also the run's tag ``model_uri``.
        """
        if not (self.enabled and self.log_model):
            return None
        from experiments.tracking.pyfunc_model import log_classifier

        uri = log_classifier(self.client, self._run(), model_dir, self.register_model)
        self.set_tags({"model_uri": uri})
        return uri

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        if not self.enabled:
            return
        self.client.log_artifact(self._run(), str(path), artifact_path)

    def log_text(self, text: str, artifact_file: str) -> None:
        if not self.enabled:
            return
        self.client.log_text(self._run(), text, artifact_file)

    def log_dict(self, mapping: Mapping[str, Any], artifact_file: str) -> None:
        if not self.enabled:
            return
        self.client.log_text(self._run(), json.dumps(mapping, indent=2, default=str), artifact_file)

    def log_figure(self, figure: Any, artifact_file: str) -> None:
        if not self.enabled:
            return
        self.client.log_figure(self._run(), figure, artifact_file)

    @contextmanager
    def artifact_dir(self, artifact_path: str | None = None) -> Iterator[Path]:
        """A temporary folder whose contents are logged as artifacts when the block ends."""
        with tempfile.TemporaryDirectory() as folder:
            yield Path(folder)
            if self.enabled:
                self.client.log_artifacts(self._run(), folder, artifact_path)

    def _run(self) -> str:
        if self.run_id is None:
            raise RuntimeError("the MLflow run has not been started")
        return self.run_id


def _param_value(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, list | tuple) else str(value)
    return text if len(text) <= MAX_PARAM_LENGTH else text[: MAX_PARAM_LENGTH - 3] + "..."
