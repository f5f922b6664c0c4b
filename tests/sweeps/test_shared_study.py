"""An optuna study shared by sweep processes, on a real SQLite optuna database: the storage prepared, one parent run
for the study, each job's trial found, and the pruner's decision stopping training."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf
from transformers import TrainerControl, TrainerState, TrainingArguments

from experiments.errors import ConfigurationError, TrialPruned
from experiments.sweeps.shared_study import (
    PARENT_ATTR,
    directions,
    link_trial,
    prepare_storage,
    running_trials,
    shared_study,
    study_parent_run,
)
from experiments.tracking import MlflowTracker
from experiments.tracking.trial import JOB_ATTR, PRUNED_ATTR, TrialReport, find_trial, trial_callbacks
from tests.conftest import new_store
from tests.sweeps.test_sweeps import compose_with_hydra

optuna.logging.set_verbosity(optuna.logging.WARNING)
pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")  # create_trial, add_trial


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory, empty_store: Path) -> str:
    """One SQLite MLflow store for the module (each test logs into its own experiment)."""
    return new_store(empty_store, tmp_path_factory.mktemp("mlflow"))


@pytest.fixture
def storage(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    prepare_storage(url)
    return url


def test_a_prepared_database_serves_the_sweepers_own_create_study(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    prepare_storage(url)
    prepare_storage(url)  # a second process finds the tables made
    study = optuna.create_study(storage=url, study_name="s", direction="maximize", load_if_exists=True)
    study.tell(study.ask(), 1.0)
    assert len(optuna.load_study(study_name="s", storage=url).trials) == 1


def test_the_process_that_creates_the_study_creates_its_parent_the_others_join_it(storage: str):
    made: list[str] = []

    def create_parent() -> str:
        made.append(f"run-{len(made)}")
        return made[-1]

    first = study_parent_run(storage, "search", ["maximize"], create_parent)
    second = study_parent_run(storage, "search", ["maximize"], create_parent)
    assert first == ("run-0", True) and second == ("run-0", False) and made == ["run-0"]
    study = optuna.load_study(study_name="search", storage=storage)
    assert study.user_attrs[PARENT_ATTR] == "run-0" and study.directions == [optuna.study.StudyDirection.MAXIMIZE]


def test_each_trial_records_its_job_and_the_job_finds_its_own_trial(storage: str):
    study = optuna.create_study(storage=storage, study_name="search", direction="maximize")
    config = OmegaConf.create({"hydra": {"sweep": {"dir": "multirun/search/a"}}})
    trials = [study.ask() for _ in range(3)]
    for trial in trials:  # as the sweeper does: one call per trial, in the order of its jobs
        link_trial(config, trial)
    assert [trial.user_attrs[JOB_ATTR] for trial in trials] == [f"multirun/search/a/{job}" for job in range(3)]
    found = find_trial(storage, "search", "multirun/search/a/1")
    assert found is not None and found.number == trials[1].number
    assert find_trial(storage, "search", "multirun/search/b/1") is None
    assert running_trials(storage, "search") == 3
    study.tell(trials[1], 0.5)
    assert find_trial(storage, "search", "multirun/search/a/1") is None  # only running trials are jobs' trials
    assert running_trials(storage, "search") == 2


def completed_trial(values: dict[int, float]) -> optuna.trial.FrozenTrial:
    return optuna.trial.create_trial(value=max(values.values()), intermediate_values=values)


def evaluate(report: TrialReport, epoch: int, value: float, epochs: int = 3) -> TrainerControl:
    """The trainer's evaluation at the end of ``epoch`` of ``epochs``, with ``value`` as dev F1."""
    control = TrainerControl()
    arguments = TrainingArguments(output_dir="unused", report_to=[], num_train_epochs=epochs)
    report.on_evaluate(arguments, TrainerState(epoch=float(epoch)), control, {"eval_dev_f1": value})
    return control


def test_a_trial_below_the_median_stops_after_that_epoch_and_ends_pruned(storage: str, tracking_uri: str):
    study = optuna.create_study(storage=storage, study_name="search", direction="maximize")
    for values in ({1: 0.2, 2: 0.4}, {1: 0.4, 2: 0.5}, {1: 0.6, 2: 0.7}):  # medians 0.4 at epoch 1, 0.5 at 2
        study.add_trial(completed_trial(values))
    study.ask().set_user_attr(JOB_ATTR, "sweep/0")
    trial = find_trial(storage, "search", "sweep/0", optuna.pruners.MedianPruner(n_startup_trials=2))
    tracker = MlflowTracker(tracking_uri, "pruning")
    message = r"trial 3 pruned by MedianPruner after epoch 2: dev_f1 0\.3000 fell behind"
    with pytest.raises(TrialPruned, match=message) as stop, tracker:  # the run ends as the job's would
        report = TrialReport(trial, "dev_f1", tracker, prune=True)
        assert not evaluate(report, 1, 0.45).should_training_stop  # above the median of epoch 1
        assert evaluate(report, 2, 0.30).should_training_stop  # best so far 0.45 < 0.5
        report.on_train_end(TrainingArguments(output_dir="unused", report_to=[]), TrainerState(), TrainerControl())
    assert (stop.value.epoch, stop.value.value) == (2, 0.45)
    (frozen,) = optuna.load_study(study_name="search", storage=storage).get_trials(
        states=(optuna.trial.TrialState.RUNNING,)
    )
    assert frozen.intermediate_values == {1: 0.45, 2: 0.30} and frozen.user_attrs[PRUNED_ATTR] == 2
    run = tracker.client.get_run(str(tracker.run_id))
    assert run.info.status == "KILLED"
    assert run.data.tags["pruned"] == "true" and run.data.tags["pruned_at_epoch"] == "2"
    assert run.data.tags["error"].startswith("TrialPruned: optuna trial 3 pruned by MedianPruner after epoch 2")


def test_without_a_pruner_every_epoch_is_reported_and_training_goes_on(storage: str, tracking_uri: str):
    study = optuna.create_study(storage=storage, study_name="search", direction="maximize")
    for values in ({1: 0.5}, {1: 0.6}):
        study.add_trial(completed_trial(values))
    study.ask().set_user_attr(JOB_ATTR, "sweep/0")
    trial = find_trial(storage, "search", "sweep/0")
    with MlflowTracker(tracking_uri, "reports") as tracker:
        report = TrialReport(trial, "dev_f1", tracker, prune=False)
        assert not evaluate(report, 1, 0.1).should_training_stop
        report.on_train_end(TrainingArguments(output_dir="unused", report_to=[]), TrainerState(), TrainerControl())
    assert optuna.load_study(study_name="search", storage=storage).trials[-1].intermediate_values == {1: 0.1}


def test_the_last_planned_epoch_is_never_pruned(storage: str, tracking_uri: str):
    study = optuna.create_study(storage=storage, study_name="search", direction="maximize")
    for values in ({1: 0.5, 2: 0.6}, {1: 0.6, 2: 0.7}):
        study.add_trial(completed_trial(values))
    study.ask().set_user_attr(JOB_ATTR, "sweep/0")
    trial = find_trial(storage, "search", "sweep/0", optuna.pruners.MedianPruner(n_startup_trials=2))
    with MlflowTracker(tracking_uri, "last-epoch") as tracker:
        report = TrialReport(trial, "dev_f1", tracker, prune=True)
        assert not evaluate(report, 2, 0.1, epochs=2).should_training_stop  # below the median, but nothing to save
        report.on_train_end(TrainingArguments(output_dir="unused", report_to=[]), TrainerState(), TrainerControl())
    assert tracker.client.get_run(str(tracker.run_id)).info.status == "FINISHED"


def test_a_pruner_outside_a_search_kept_in_a_database_says_how_to_set_one_up(tracking_uri: str):
    HydraConfig.instance().cfg = None  # type: ignore[assignment]  # a single run, outside any sweep
    tracker = MlflowTracker(tracking_uri, "no-search")
    with pytest.raises(ConfigurationError, match=r"run with -m hydra/sweeper=optuna_shared hydra\.sweeper\.storage="):
        trial_callbacks(tracker, optuna.pruners.MedianPruner(), "dev_f1")
    assert trial_callbacks(tracker, None, "dev_f1") == []  # without a pruner, nothing to do


def test_the_optuna_shared_sweeper_links_each_trial_and_asks_for_one_at_a_time():
    cfg = compose_with_hydra(
        "hydra/sweeper=optuna_shared", "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=s"
    )
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper") and sweeper.n_jobs == 1
    assert sweeper.custom_search_space == "experiments.sweeps.shared_study.link_trial"
    assert shared_study(cfg) == ("sqlite:///optuna.db", "s") and directions(cfg) == ["maximize"]
    assert shared_study(compose_with_hydra("hydra/sweeper=optuna")) is None  # an in-memory study: one process
