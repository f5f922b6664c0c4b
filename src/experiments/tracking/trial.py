"""A sweep job's epochs reported to its optuna trial, and the trial stopped when the study's pruner says so.

In an optuna search kept in a database (``hydra/sweeper=optuna_shared``, :mod:`experiments.sweeps.shared_study`)
each job finds its trial and reports the dev value of ``evaluation.select_metric`` after every epoch
(``trial.report(value, epoch)``). With ``pruner=median`` or ``pruner=successive_halving`` it then asks
``trial.should_prune()``: a pruned trial stops training after that epoch, and the job ends with
:class:`~experiments.errors.TrialPruned`: its MLflow run KILLED with the tags ``pruned=true`` and
``pruned_at_epoch``, no test scoring, and the sweeper records the trial with its best dev value so far
(hydra-optuna-sweeper tells a study COMPLETE or FAIL only; the trial carries the user attribute
``pruned_at_epoch``). The job learns the sweeper's settings from Hydra's config, as the sweep callbacks do.
"""

from __future__ import annotations

import logging
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import OmegaConf
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from experiments.errors import ConfigurationError, TrialPruned
from experiments.tracking.mlflow_tracker import MlflowTracker

logger = logging.getLogger(__name__)

EVAL_PREFIX = "eval_"
PRUNED_ATTR = "pruned_at_epoch"
# Trial user attribute: the Hydra job that runs the trial, "<sweep dir>/<job number>".
JOB_ATTR = "hydra_job"


def job_key(sweep_dir: str, job_num: int) -> str:
    return f"{sweep_dir}/{job_num}"


def job_trial_link() -> tuple[str, str, str] | None:
    """``(storage URL, study name, job key)`` of a sweep job whose optuna study is kept in a database, else None."""
    if not HydraConfig.initialized():
        return None
    hydra = HydraConfig.get()
    if hydra.mode != RunMode.MULTIRUN:
        return None
    storage = OmegaConf.select(hydra, "sweeper.storage", default=None)
    study = OmegaConf.select(hydra, "sweeper.study_name", default=None)
    if not (isinstance(storage, str) and storage and study):
        return None
    return storage, str(study), job_key(str(hydra.sweep.dir), int(hydra.job.num))


class TrialReport(TrainerCallback):
    """Reports each epoch's dev ``select_metric`` to ``trial``; with ``prune``, stops training when it is pruned.

    Args:
        trial: the job's ``optuna.trial.Trial`` (of a study loaded with the pruner).
        select_metric: ``evaluation.select_metric``, e.g. ``dev_f1``.
        tracker: the job's run; tagged ``optuna_study`` and ``optuna_trial`` (the trial number).
        prune: ask the study's pruner after every epoch.
    """

    def __init__(self, trial: Any, select_metric: str, tracker: MlflowTracker, prune: bool) -> None:
        self.trial = trial
        self.select_metric = select_metric
        self.tracker = tracker
        self.prune = prune
        self.values: dict[int, float] = {}
        self.pruned_at: int | None = None

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object
    ) -> None:
        self.tracker.set_tags({"optuna_study": self.trial.study.study_name, "optuna_trial": self.trial.number})

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, float] | None = None,
        **kwargs: object,
    ) -> None:
        value = (metrics or {}).get(f"{EVAL_PREFIX}{self.select_metric}")
        if value is None:
            return
        epoch = round(state.epoch or 0)
        self.values[epoch] = float(value)
        self.trial.report(float(value), epoch)
        last_planned = (state.epoch or 0) >= args.num_train_epochs - 1e-6  # nothing left to save: not pruned
        if self.prune and not last_planned and self.trial.should_prune():
            self.pruned_at = epoch
            self.trial.set_user_attr(PRUNED_ATTR, epoch)
            control.should_training_stop = True
            number = self.trial.number
            logger.info("Trial %d pruned after epoch %d (%s = %.4f)", number, epoch, self.select_metric, value)

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object
    ) -> None:
        if self.pruned_at is None:
            return
        pruner = type(self.trial.study.pruner).__name__
        best = max(self.values.values())
        raise TrialPruned(
            f"optuna trial {self.trial.number} pruned by {pruner} after epoch {self.pruned_at}: {self.select_metric} "
            f"{self.values[self.pruned_at]:.4f} fell behind the other trials' at that epoch",
            epoch=self.pruned_at,
            value=best,
        )


def trial_callbacks(tracker: MlflowTracker, pruner: Any, select_metric: str) -> list[TrainerCallback]:
    """A :class:`TrialReport` for a job of an optuna search kept in a database; none elsewhere.

    ``pruner`` (an ``optuna.pruners`` object, or None) needs such a search: elsewhere it is a configuration error.
    """
    link = job_trial_link()
    if link is None:
        if pruner is not None:
            raise ConfigurationError(
                "pruner prunes the trials of an optuna search kept in a database: run with -m "
                "hydra/sweeper=optuna_shared hydra.sweeper.storage=<database URL> hydra.sweeper.study_name=<name>"
            )
        return []
    storage, study, key = link
    trial = find_trial(storage, study, key, pruner)
    if trial is None:
        if pruner is not None:
            raise ConfigurationError(
                f"no running trial of optuna study {study!r} is recorded for this job ({key}): set "
                "hydra.sweeper.custom_search_space=experiments.sweeps.shared_study.link_trial "
                "(hydra/sweeper=optuna_shared does)"
            )
        return []
    return [TrialReport(trial, select_metric, tracker, prune=pruner is not None)]


def find_trial(url: str, study_name: str, key: str, pruner: Any = None) -> Any | None:
    """The RUNNING trial recorded for job ``key`` (an ``optuna.trial.Trial`` of a study using ``pruner``), or None."""
    import optuna

    study = optuna.load_study(study_name=study_name, storage=url, pruner=pruner)
    for frozen in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if frozen.user_attrs.get(JOB_ATTR) == key:
            return optuna.trial.Trial(study, frozen._trial_id)
    return None
