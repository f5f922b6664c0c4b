"""One optuna search shared by several sweep processes: its database prepared, one MLflow parent, each job's trial.

hydra-optuna-sweeper (which pins optuna 2.10) hands ``hydra.sweeper.storage`` to ``optuna.create_study``: null is
an in-memory study of one process; an RDB URL (``postgresql://...``, ``sqlite:///...``) is a study every process
given the same URL and ``hydra.sweeper.study_name`` asks and tells. Each process asks for its own trials (the
database numbers them once), so N processes of ``hydra.sweeper.n_jobs=1`` keep N trials running without waiting for
a whole batch (hydra#3091). This module adds what the sweeper lacks for that:

- :func:`prepare_storage`: optuna 2.10 creates its tables under SQLAlchemy 2 without committing their schema
  version, so a new database fails on first use (``assert version is not None``); the tables are created once,
  committed, before the sweeper opens the study.
- :func:`study_parent_run`: one MLflow parent run for the whole study, whichever process starts first; its id is a
  user attribute of the study, which only the process that creates the study writes (the database's unique study
  name decides which process that is), the others read it.
- :func:`link_trial`: the sweeper's ``custom_search_space`` hook, called in the sweeping process with each trial
  before its job is launched; it records the job (``<sweep dir>/<job number>``) on the trial, so that the job
  (:func:`experiments.tracking.trial.find_trial`), which the sweeper gives only its overrides, finds the trial
  to report its epochs to.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from experiments.tracking.trial import JOB_ATTR, job_key

logger = logging.getLogger(__name__)

# Study user attribute: the MLflow parent run of the study.
PARENT_ATTR = "mlflow_parent_run_id"
# How long a process waits for the process that created the study to record the parent run.
PARENT_WAIT_S = 120.0
STORAGE_ATTEMPTS = 5


def shared_study(config: DictConfig) -> tuple[str, str] | None:
    """``(storage URL, study name)`` when the sweep's sweeper keeps its study in a database, else None."""
    storage = OmegaConf.select(config, "hydra.sweeper.storage", default=None)
    name = OmegaConf.select(config, "hydra.sweeper.study_name", default=None)
    if isinstance(storage, str) and storage and name:
        return storage, str(name)
    return None


def directions(config: DictConfig) -> list[str]:
    """The study's directions as the sweeper passes them (``maximize`` / ``minimize``)."""
    direction = OmegaConf.select(config, "hydra.sweeper.direction", default="minimize")
    values = direction if OmegaConf.is_list(direction) or isinstance(direction, list) else [direction]
    return [str(getattr(value, "name", value)) for value in values]


def prepare_storage(url: str) -> None:
    """Create optuna's tables in the database at ``url`` (committed) when they are missing; safe in parallel."""
    from optuna.storages import RDBStorage
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(STORAGE_ATTEMPTS):
        try:
            storage = RDBStorage(url, engine_kwargs={"isolation_level": "AUTOCOMMIT"})
        except SQLAlchemyError:  # another process creates the same tables at this moment
            if attempt == STORAGE_ATTEMPTS - 1:
                raise
            time.sleep(1.0 + attempt)
            continue
        storage.engine.dispose()
        return


def study_parent_run(
    url: str, study_name: str, study_directions: list[str], create_parent: Callable[[], str]
) -> tuple[str, bool]:
    """The MLflow parent run of the study and whether this process created it (with ``create_parent``)."""
    import optuna

    try:
        study = optuna.create_study(
            storage=url, study_name=study_name, directions=study_directions, load_if_exists=False
        )
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=study_name, storage=url)
        deadline = time.monotonic() + PARENT_WAIT_S
        while PARENT_ATTR not in study.user_attrs and time.monotonic() < deadline:
            time.sleep(0.5)
        if PARENT_ATTR in study.user_attrs:
            return str(study.user_attrs[PARENT_ATTR]), False
        logger.warning("Study %r records no MLflow parent run (made elsewhere?): creating one", study_name)
    run_id = create_parent()
    study.set_user_attr(PARENT_ATTR, run_id)
    return run_id, True


def running_trials(url: str, study_name: str) -> int:
    """How many trials of the study are RUNNING (in any process)."""
    import optuna

    study = optuna.load_study(study_name=study_name, storage=url)
    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)))


# Per sweep folder, the jobs this process's sweeper has configured: the sweeper launches its k-th trial as job k.
_configured: defaultdict[str, int] = defaultdict(int)


def link_trial(config: DictConfig, trial: Any) -> None:
    """hydra-optuna-sweeper's ``custom_search_space`` hook: record on ``trial`` the Hydra job that will run it.

    The sweeper calls it once per trial, in order, before launching the batch as jobs ``job_idx, job_idx + 1, ...``
    (its ``job_idx`` starts at 0 and grows by each batch), so the k-th call of a sweep is job k.
    """
    sweep_dir = str(config.hydra.sweep.dir)
    number = _configured[sweep_dir]
    _configured[sweep_dir] += 1
    trial.set_user_attr(JOB_ATTR, job_key(sweep_dir, number))
