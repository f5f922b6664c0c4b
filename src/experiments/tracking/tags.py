"""The tags and run statuses every part of the project reads or writes, named once; a job's sweep tags."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from mlflow.entities import RunStatus

# MLflow's own tags: the run's Markdown description and its parent run.
NOTE_TAG = "mlflow.note.content"
PARENT_TAG = "mlflow.parentRunId"
# Marks a sweep's parent run, which holds no results of its own (readers of the store skip it).
SWEEP_PARENT_TAG = "sweep_parent"
# In a sweep's folder: the parent run's id, where each job finds it.
PARENT_RUN_FILE = "mlflow_parent_run_id"
# Fallback for a job that cannot read the sweep folder: the launching process exports the parent's id.
PARENT_RUN_ENV = "EXPERIMENTS_SWEEP_PARENT_RUN_ID"

# On a resumed run: the error that had stopped it (its ``error`` tag before the resume).
RESUMED_AFTER_TAG = "resumed_after"
# Set when the run's model was logged but the Model Registry refused it (the run's results are complete).
REGISTRATION_ERROR_TAG = "model_registration_error"

FINISHED = RunStatus.to_string(RunStatus.FINISHED)
FAILED = RunStatus.to_string(RunStatus.FAILED)
KILLED = RunStatus.to_string(RunStatus.KILLED)
RUNNING = RunStatus.to_string(RunStatus.RUNNING)


def sweep_parent_tags(sweep_dir: str | Path) -> dict[str, str]:
    """``{"mlflow.parentRunId": <id>}`` for a job of a sweep that has a parent run, else ``{}``."""
    record = Path(sweep_dir) / PARENT_RUN_FILE
    run_id = record.read_text(encoding="utf-8").strip() if record.is_file() else os.environ.get(PARENT_RUN_ENV)
    return {PARENT_TAG: run_id} if run_id else {}


def override_params(overrides: str, logged: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """The job's overrides (``key=value`` tokens of the ``overrides`` tag) not among ``logged`` params.

    Group choices such as ``loss=focal`` are not config keys; as params the MLflow compare view lists them.
    """
    pairs = {}
    for token in shlex.split(overrides):
        key, sep, value = token.partition("=")
        key = key.lstrip("+~")
        if sep and key not in logged and not key.startswith("hydra"):
            pairs[key] = value
    return pairs
