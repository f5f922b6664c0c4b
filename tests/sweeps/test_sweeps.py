"""Multirun sweeps as users launch them: joblib and submitit_local jobs logging to a real ``mlflow server``."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from experiments.config.location import config_dir
from tests.sweeps.conftest import TINY_JOB, Sweep, experiment_runs, parent_run, run_app

PROVENANCE_TAGS = (
    "git_commit", "git_dirty", "version_torch", "version_transformers", "version_sentence-transformers",
    "version_mlflow", "version_python", "hardware_cpu", "hardware_gpu", "torch_num_threads", "world_size", "command",
    "data_fingerprint_train", "data_fingerprint_dev", "data_fingerprint_test",
)  # fmt: skip


def dev_at_best_epoch(client: MlflowClient, run: Run, metric: str = "dev/f1") -> float:
    history = {point.step: point.value for point in client.get_metric_history(run.info.run_id, metric)}
    return history[int(run.data.metrics["dev/best_epoch"])]


def assert_children_of_one_parent(tracking_uri: str, experiment_name: str, runs: list[Run]) -> Run:
    """Every job's run is a child of the experiment's one sweep parent, which ended FINISHED with the best job."""
    parent = parent_run(tracking_uri, experiment_name)
    assert {run.data.tags["mlflow.parentRunId"] for run in runs} == {parent.info.run_id}
    assert parent.info.status == "FINISHED"
    finished = [run for run in runs if run.info.status == "FINISHED"]
    assert parent.data.metrics["sweep/jobs"] == len(runs) and parent.data.metrics["sweep/finished"] == len(finished)
    client = MlflowClient(tracking_uri)
    best = max(finished, key=lambda run: dev_at_best_epoch(client, run))
    assert parent.data.tags["best_run_id"] == best.info.run_id
    assert parent.data.metrics["best_run/dev/f1"] == dev_at_best_epoch(client, best)
    return parent


@pytest.mark.xdist_group("grid_sweep")  # reads the session's sweep: built once
def test_a_joblib_grid_makes_one_run_per_job_with_its_sweep_and_choices(grid_sweep: Sweep):
    runs = grid_sweep.runs
    assert len(runs) == 4 and len({run.info.run_id for run in runs}) == 4
    failed = {run.info.run_name: run.data.tags.get("error") for run in runs if run.info.status != "FINISHED"}
    assert not failed, failed
    combos = sorted((run.data.tags["head"], run.data.tags["seed"]) for run in runs)
    assert combos == sorted(itertools.product(["binary_sigmoid", "binary_softmax"], ["1", "2"]))
    assert {run.data.tags["sweep_id"] for run in runs} == {str(grid_sweep.sweep_dir)}
    assert sorted(run.data.tags["sweep_job"] for run in runs) == ["0", "1", "2", "3"]
    for run in runs:
        tags = run.data.tags
        assert all(tags.get(key) for key in PROVENANCE_TAGS), sorted(set(PROVENANCE_TAGS) - set(tags))
        assert tags["git_dirty"] in {"true", "false", "unknown"}
        assert tags["seed"] == run.data.params["seed"]
        assert (
            f"head={tags['head']}" in tags["overrides"].split()
            and "experiment=imbalance_grid_quick" in tags["overrides"]
        )
        assert tags["model"] == "tiny" and tags["experiment"] == "imbalance_grid_quick"
        assert tags["world_size"] == "1" and tags["hardware_gpu"] == "none"


@pytest.mark.xdist_group("grid_sweep")  # reads the session's sweep: built once
def test_a_joblib_sweep_is_one_parent_run_holding_the_comparison(grid_sweep: Sweep):
    parent = assert_children_of_one_parent(grid_sweep.tracking_uri, "grid", grid_sweep.runs)
    assert parent.data.tags["sweep_dir"] == str(grid_sweep.sweep_dir) and parent.data.tags["launcher"] == "joblib"
    assert parent.info.run_name.startswith("sweep imbalance_grid_quick")
    assert "head=binary_sigmoid,binary_softmax" in parent.data.params["sweep_overrides"]
    for run in grid_sweep.runs:  # the job's overrides, group choices included, as params
        assert run.data.params["head"] == run.data.tags["head"] and run.data.params["seed"] == run.data.tags["seed"]
        head = "" if run.data.tags["head"] == "binary_sigmoid" else " · binary_softmax"
        assert run.info.run_name == f"#{run.data.tags['sweep_job']} plain{head} · seed {run.data.tags['seed']}"
    client = MlflowClient(grid_sweep.tracking_uri)
    artifacts = {artifact.path for artifact in client.list_artifacts(parent.info.run_id, "comparison")}
    expected = {"comparison.md", "comparison.csv", "comparison.tex", "test_f1_by_group.png", "dev_f1_curves.png"}
    assert {f"comparison/{name}" for name in expected} <= artifacts
    table = (grid_sweep.sweep_dir / "comparison" / "comparison.md").read_text()
    note = parent.data.tags["mlflow.note.content"]
    assert table.strip() in note and "binary softmax" in table  # readable names in the table
    assert "Sweep finished: 4 jobs, 4 finished, 0 failed" in grid_sweep.output
    assert f"Comparison: {grid_sweep.sweep_dir / 'comparison' / 'comparison.md'}" in grid_sweep.output
    assert (
        f"MLflow parent run {parent.info.run_id}; open: {grid_sweep.tracking_uri}/#/experiments/" in grid_sweep.output
    )


def test_a_basic_sweep_logs_its_jobs_as_children_in_a_sqlite_store_and_goes_on_past_a_failing_job(
    mini_wikiqa: Path, tmp_path: Path
):
    # loss.gamma=-1 composes and passes the config checks, and fails when the loss is built, inside the run
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = run_app(
        [
            "-m", *TINY_JOB, "trainer.epochs=1", f"data.root={mini_wikiqa}", "loss=focal", "loss.gamma=1,-1",
            "tracking.experiment_name=basic", f"hydra.sweep.dir={tmp_path / 'multirun'}",
        ],
        cwd=tmp_path,
        tracking_uri=uri,
        timeout_s=1800,  # two jobs one after the other, in one process
    )  # fmt: skip
    output = result.stdout + result.stderr
    runs = {run.data.params["loss.gamma"]: run for run in experiment_runs(uri, "basic")}
    assert sorted(runs) == ["-1", "1"]
    assert runs["-1"].info.status == "FAILED" and runs["1"].info.status == "FINISHED"
    assert runs["-1"].data.tags["error"] == "ConfigurationError: loss=focal: gamma must be in [0, inf), got -1"
    assert "the sweep goes on (fail_fast=false)" in output
    parent = assert_children_of_one_parent(uri, "basic", list(runs.values()))
    assert parent.data.tags["launcher"] == "basic" and parent.data.metrics["sweep/failed"] == 1
    experiment = MlflowClient(uri).get_experiment_by_name("basic")  # created by the sweep's callback
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert (tmp_path / "multirun" / "mlflow_parent_run_id").read_text() == parent.info.run_id
    assert "Sweep finished: 2 jobs, 1 finished, 1 failed" in output
    assert f"open: mlflow ui --backend-store-uri {uri}" in output


@pytest.mark.xdist_group("grid_sweep")  # reads the session's sweep: built once
def test_every_job_logs_its_own_per_epoch_history(grid_sweep: Sweep):
    client = MlflowClient(grid_sweep.tracking_uri)
    for run in grid_sweep.runs:
        for key in ("dev/f1", "dev/f1_threshold", "train/loss"):
            history = client.get_metric_history(run.info.run_id, key)
            assert sorted(point.step for point in history) == [1, 2], key
        assert client.list_artifacts(run.info.run_id, "config")[0].path == "config/resolved.yaml"


@pytest.mark.slow
def test_a_submitit_local_sweep_shares_one_sweep_id(mlflow_server: str, mini_wikiqa: Path, tmp_path: Path):
    # the default sweep folder (multirun/${now:...}) must resolve to one id in every job
    run_app(
        [
            "-m", *TINY_JOB, "trainer.epochs=1", f"data.root={mini_wikiqa}", "seed=1,2",
            "tracking.experiment_name=submitit", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=20",
        ],
        cwd=tmp_path,
        tracking_uri=mlflow_server,
    )  # fmt: skip
    runs = experiment_runs(mlflow_server, "submitit")
    assert sorted(run.data.tags["seed"] for run in runs) == ["1", "2"]
    assert all(run.info.status == "FINISHED" for run in runs)
    (sweep_id,) = {run.data.tags["sweep_id"] for run in runs}
    assert sweep_id.startswith("multirun/") and (tmp_path / sweep_id / "multirun.yaml").is_file()
    parent = assert_children_of_one_parent(mlflow_server, "submitit", runs)
    assert parent.data.tags["launcher"] == "submitit_local"


def compose_with_hydra(*overrides: str):
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            return compose("train", overrides=list(overrides), return_hydra_config=True)
    finally:
        GlobalHydra.instance().clear()


def test_the_imbalance_grid_sweeps_every_loss_and_sampling_over_three_seeds():
    params = compose_with_hydra("experiment=imbalance_grid").hydra.sweeper.params
    assert len(params.loss.split(",")) == 8 and params.sampling == "none,over,under,rotating"
    assert params.seed == "1,2,3"
    quick = compose_with_hydra("experiment=imbalance_grid_quick")
    assert quick.model.name == "tiny-bert" and quick.hydra.sweeper.params.seed == "1,2"


@pytest.mark.skipif(not (Path(config_dir()) / "loss" / "focal.yaml").is_file(), reason="needs conf/loss/focal.yaml")
def test_the_focal_search_preset_searches_gamma_and_alpha():
    cfg = compose_with_hydra("experiment=focal_search")
    assert cfg.hydra.sweeper.params == {"loss.gamma": "interval(0.0, 5.0)", "loss.alpha": "interval(0.05, 0.95)"}
    assert "gamma" in cfg.loss and "alpha" in cfg.loss and cfg.hydra.sweeper.max_failure_rate == 1.0


def test_the_wikiqa_search_preset_searches_dev_map_within_a_time_budget():
    cfg = compose_with_hydra("experiment=wikiqa_search")
    assert cfg.evaluation.select_metric == "dev_map" and cfg.trainer.time_budget_minutes == 8
    assert cfg.negatives._target_.endswith("SampleKNegatives") and cfg.data.max_train_groups is None
    assert cfg.sampling._target_.endswith("NoSampling")
    params = cfg.hydra.sweeper.params
    assert {"negatives", "negatives.k", "trainer.learning_rate", "trainer.epochs", "trainer.batch_size"} <= set(params)
    # Each mode a trial draws brings its own loss: pairs train with plain BCE, rows with MNRL.
    for mode, loss in (("sample_k", "plain_loss"), ("fixed_k", "mnrl_loss")):
        trial = compose_with_hydra("experiment=wikiqa_search", f"negatives={mode}", "negatives.k=3")
        assert trial.negatives.k == 3 and trial.loss._target_ == f"experiments.losses.{loss}", mode
    assert cfg.hydra.sweeper.direction == "maximize"
    if importlib.util.find_spec("hydra_plugins.hydra_optuna_sweeper") is not None:  # the optuna extra reads them
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra_plugins.hydra_optuna_sweeper._impl import create_optuna_distribution_from_override

        parser = OverridesParser.create()
        distributions = {
            key: create_optuna_distribution_from_override(parser.parse_override(f"{key}={value}"))
            for key, value in params.items()
        }
        assert (distributions["negatives.k"].low, distributions["negatives.k"].high) == (2, 6)
        assert distributions["negatives"].choices == ("sample_k", "fixed_k")
        assert type(distributions["trainer.learning_rate"]).__name__ == "LogUniformDistribution"


def test_the_wikiqa_best_preset_is_the_searchs_best_trial_within_the_budget():
    cfg = compose_with_hydra("experiment=wikiqa_best")
    assert cfg.negatives._target_.endswith("FixedKNegatives") and cfg.negatives.k == 4
    assert cfg.loss._target_ == "experiments.losses.mnrl_loss" and cfg.data.max_train_groups is None
    assert cfg.evaluation.select_metric == "dev_map" and cfg.trainer.time_budget_minutes == 13
    assert (cfg.trainer.epochs, cfg.trainer.batch_size, cfg.model.max_length) == (2, 32, 96)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_optuna_sweeper") is None, reason="optuna extra")
def test_an_optuna_search_records_its_trials_a_failed_one_too_and_goes_on(
    mlflow_server: str, mini_wikiqa: Path, tmp_path: Path
):
    # the random sampler with seed 0 draws gamma 2, then -1 (a search where no trial completes ends in an error);
    # gamma=-1 passes the config checks and fails inside the run, when the loss is built
    sweep_dir = tmp_path / "multirun"
    run_app(
        [
            "-m", *TINY_JOB, "trainer.epochs=1", f"data.root={mini_wikiqa}", "hydra/sweeper=optuna",
            "hydra/sweeper/sampler=random", "hydra.sweeper.sampler.seed=0", "hydra.sweeper.n_trials=2",
            "hydra.sweeper.n_jobs=1", "hydra.sweeper.direction=maximize", "hydra.sweeper.max_failure_rate=1.0",
            "loss=focal", "loss.gamma=choice(-1,2)", "trainer.learning_rate=interval(1e-4,1e-2)",
            "tracking.experiment_name=optuna", f"hydra.sweep.dir={sweep_dir}",
        ],
        cwd=tmp_path,
        tracking_uri=mlflow_server,
    )  # fmt: skip
    runs = experiment_runs(mlflow_server, "optuna")
    status = {run.data.params["loss.gamma"]: run.info.status for run in runs}
    assert status == {"-1": "FAILED", "2": "FINISHED"}
    rates = [float(run.data.params["trainer.learning_rate"]) for run in runs]
    assert len(set(rates)) == 2 and all(1e-4 <= rate <= 1e-2 for rate in rates)
    assert assert_children_of_one_parent(mlflow_server, "optuna", runs).data.tags["sweeper"] == "optuna"
    (finished,) = [run for run in runs if run.info.status == "FINISHED"]
    best = (sweep_dir / "optimization_results.yaml").read_text()
    assert "loss.gamma: 2" in best
    assert f"best_value: {dev_at_best_epoch(MlflowClient(mlflow_server), finished)}" in best
