"""One optuna search run by two sweep processes at once, its study in PostgreSQL: every trial run once, each an MLflow
child of one parent, its epochs reported to its trial, and the median pruner stopping the trials that fall behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from mlflow.tracking import MlflowClient

from experiments.sweeps.shared_study import PARENT_ATTR
from experiments.tracking.tags import PARENT_RUN_FILE
from experiments.tracking.trial import JOB_ATTR, PRUNED_ATTR
from tests.cluster.conftest import TrackingServer
from tests.conftest import fast_overrides
from tests.sweeps.conftest import all_runs, experiment_runs, parent_run
from tests.sweeps.test_interrupted_sweep import sweep_env

pytestmark = pytest.mark.slow

PROCESSES = 2
TRIALS_EACH = 4
EPOCHS = 3
METRIC = "dev/average_precision"
LEARNING_RATE = "trainer.learning_rate"


def search_command(tiny_wikiqa: Path, tracking_uri: str, storage: str, sweep_dir: Path, seed: int) -> list[str]:
    return [
        sys.executable, "-m", "experiments.train", "-m", *fast_overrides(tiny_wikiqa, epochs=EPOCHS),
        "hydra/sweeper=optuna_shared", f"hydra.sweeper.storage={storage}", "hydra.sweeper.study_name=shared",
        f"hydra.sweeper.n_trials={TRIALS_EACH}", "hydra.sweeper.direction=maximize",
        f"hydra.sweeper.sampler.seed={seed}", f"{LEARNING_RATE}=tag(log, interval(1e-5, 1e-1))",
        "evaluation.select_metric=dev_average_precision", "pruner=median", "pruner.n_startup_trials=2",
        f"tracking.tracking_uri={tracking_uri}", "tracking.experiment_name=shared-optuna",
        f"hydra.sweep.dir={sweep_dir}",
    ]  # fmt: skip


def test_two_processes_share_one_search_one_parent_and_the_pruner(
    pg_tracking: TrackingServer, tiny_wikiqa: Path, tmp_path: Path
):
    storage = pg_tracking.postgres.create_database("optuna")
    sweep_dirs = [tmp_path / f"process-{index}" for index in range(PROCESSES)]
    logs = [(tmp_path / f"process-{index}.log").open("w") for index in range(PROCESSES)]
    commands = [
        search_command(tiny_wikiqa, pg_tracking.url, storage, sweep_dir, seed=index)
        for index, sweep_dir in enumerate(sweep_dirs)
    ]
    searches = [
        subprocess.Popen(command, env=sweep_env(), cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        for command, log in zip(commands, logs, strict=True)
    ]
    for search, log in zip(searches, logs, strict=True):
        code = search.wait(timeout=3600)
        log.close()
        assert code == 0, Path(log.name).read_text()[-6000:]

    study = optuna.load_study(study_name="shared", storage=storage)
    trials = study.trials
    assert sorted(trial.number for trial in trials) == list(range(PROCESSES * TRIALS_EACH))
    assert {trial.state for trial in trials} == {optuna.trial.TrialState.COMPLETE}
    assert len({trial.params[LEARNING_RATE] for trial in trials}) == len(trials)  # no trial drawn twice
    jobs = {trial.user_attrs[JOB_ATTR] for trial in trials}
    assert jobs == {f"{sweep_dir}/{job}" for sweep_dir in sweep_dirs for job in range(TRIALS_EACH)}

    parent = parent_run(pg_tracking.url, "shared-optuna")  # one parent for both processes
    assert study.user_attrs[PARENT_ATTR] == parent.info.run_id and parent.data.tags["optuna_study"] == "shared"
    assert all((sweep_dir / PARENT_RUN_FILE).read_text() == parent.info.run_id for sweep_dir in sweep_dirs)
    assert parent.info.status == "FINISHED" and parent.data.metrics["sweep/jobs"] == len(trials)
    assert [run for run in all_runs(pg_tracking.url, "shared-optuna") if run.info.status == "RUNNING"] == []
    runs = {int(run.data.tags["optuna_trial"]): run for run in experiment_runs(pg_tracking.url, "shared-optuna")}
    assert sorted(runs) == sorted(trial.number for trial in trials)
    assert {run.data.tags["mlflow.parentRunId"] for run in runs.values()} == {parent.info.run_id}

    client = MlflowClient(pg_tracking.url)
    pruned = 0
    for trial in trials:
        run = runs[trial.number]
        assert float(run.data.params[LEARNING_RATE]) == pytest.approx(trial.params[LEARNING_RATE], rel=1e-12)
        history = {point.step: point.value for point in client.get_metric_history(run.info.run_id, METRIC)}
        assert history == trial.intermediate_values  # each job reported its own epochs to its own trial
        assert trial.value == max(history.values())
        if PRUNED_ATTR in trial.user_attrs:
            pruned += 1
            epoch = trial.user_attrs[PRUNED_ATTR]
            assert run.info.status == "KILLED" and run.data.tags["pruned_at_epoch"] == str(epoch)
            assert max(history) == epoch < EPOCHS
            assert trial.number >= 2  # the first two trials to complete set the medians
        else:
            assert run.info.status == "FINISHED" and sorted(history) == list(range(1, EPOCHS + 1))
    assert pruned >= 1, "no trial was pruned"
