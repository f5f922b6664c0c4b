"""A sweep logging to an ``mlflow server`` backed by PostgreSQL: 24 jobs, 8 at a time, every run, epoch and artifact
recorded; the database killed mid-sweep, and ``experiments-resume-sweep`` leaving no run RUNNING."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from experiments.tracking.resume import last_checkpoint
from tests.cluster.conftest import TrackingServer
from tests.conftest import fast_overrides
from tests.sweeps.conftest import all_runs, experiment_runs, parent_run
from tests.sweeps.test_interrupted_sweep import stop_process_group, sweep_env

pytestmark = pytest.mark.slow

EPOCH_METRICS = ("dev/f1", "dev/f1_threshold", "dev/average_precision", "train/loss")
# 2 heads x 2 losses x 6 seeds
GRID = ("head=binary_sigmoid,binary_softmax", "loss=plain,focal", "seed=1,2,3,4,5,6")


def artifact_files(client: MlflowClient, run_id: str, path: str | None = None) -> set[str]:
    """Every artifact file of the run, listed through the server, folders walked."""
    files: set[str] = set()
    for entry in client.list_artifacts(run_id, path):
        files |= artifact_files(client, run_id, entry.path) if entry.is_dir else {entry.path}
    return files


def stored_files(artifacts_root: Path, experiment_id: str, run_id: str) -> set[str]:
    """The files the server wrote for the run under its ``--artifacts-destination``."""
    folder = artifacts_root / experiment_id / run_id / "artifacts"
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def most_at_once(runs: list[Run]) -> int:
    """The largest number of runs that were RUNNING at the same moment (from their start and end times)."""
    events = sorted([(run.info.start_time, 1) for run in runs] + [(run.info.end_time, -1) for run in runs])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def sweep_command(
    tiny_wikiqa: Path, tracking: TrackingServer, experiment: str, sweep_dir: Path, *overrides: str, at_once: int = 8
) -> list[str]:
    return [
        sys.executable, "-m", "experiments.train", "-m", *fast_overrides(tiny_wikiqa), *overrides,
        f"tracking.tracking_uri={tracking.url}", f"tracking.experiment_name={experiment}",
        f"hydra.sweep.dir={sweep_dir}", "hydra/launcher=joblib", f"hydra.launcher.n_jobs={at_once}",
    ]  # fmt: skip


def test_a_sweep_of_24_jobs_8_at_once_records_every_run_epoch_and_artifact(
    pg_tracking: TrackingServer, tiny_wikiqa: Path, tmp_path: Path
):
    sweep_dir = tmp_path / "multirun"
    command = sweep_command(tiny_wikiqa, pg_tracking, "pg-grid", sweep_dir, *GRID)
    result = subprocess.run(command, env=sweep_env(), cwd=tmp_path, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stderr[-6000:]

    runs = experiment_runs(pg_tracking.url, "pg-grid")
    assert len(runs) == 24 and {run.info.status for run in runs} == {"FINISHED"}
    assert sorted(int(run.data.tags["sweep_job"]) for run in runs) == list(range(24))
    assert most_at_once(runs) == 8, "the joblib launcher ran 8 jobs at a time"
    client = MlflowClient(pg_tracking.url)
    for run in runs:
        for key in EPOCH_METRICS:
            assert [point.step for point in client.get_metric_history(run.info.run_id, key)] == [1, 2], key
    files = {run.info.run_id: artifact_files(client, run.info.run_id) for run in runs}
    expected = files[runs[0].info.run_id]
    assert {"config/resolved.yaml", "evaluation/summary.json", "evaluation/test_scores.npz"} <= expected
    assert all(found == expected for found in files.values())
    models = client.search_logged_models([runs[0].info.experiment_id])  # MLflow 3: stored beside the run's files
    assert sorted(model.source_run_id for model in models) == sorted(run.info.run_id for run in runs)
    for model in models:
        assert "MLmodel" in {artifact.path for artifact in client.list_logged_model_artifacts(model.model_id)}
    experiment_id = runs[0].info.experiment_id
    for run in runs:  # the server stored each listed file, and nothing else
        assert stored_files(pg_tracking.server.folder / "artifacts", experiment_id, run.info.run_id) == expected
    print(f"{len(runs)} runs x {len(expected)} artifacts = {len(runs) * len(expected)} artifact files")

    parent = parent_run(pg_tracking.url, "pg-grid")
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["sweep/jobs"] == 24 and parent.data.metrics["sweep/finished"] == 24
    assert {f"comparison/{name}" for name in ("comparison.md", "comparison.csv")} <= artifact_files(
        client, parent.info.run_id
    )
    assert (sweep_dir / "comparison" / "comparison.md").read_text().strip() in parent.data.tags["mlflow.note.content"]


def wait_for_checkpoints(sweep_dir: Path, jobs: int, sweep: subprocess.Popen[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while sum(last_checkpoint(sweep_dir / str(job) / "checkpoints") is not None for job in range(jobs)) < jobs:
        assert sweep.poll() is None, "the sweep ended before its jobs had checkpoints"
        assert time.monotonic() < deadline, "the jobs wrote no checkpoint in time"
        time.sleep(0.2)


def test_a_database_killed_mid_sweep_leaves_no_run_running_once_the_sweep_is_resumed(
    pg_tracking: TrackingServer, tiny_wikiqa: Path, tmp_path: Path
):
    # 3 jobs, 2 at a time, 6 epochs each: the database dies (pg_ctl stop -m immediate, a crash) once the first 2
    # have a checkpoint, and stays down until the sweep has given up: the 2 stop at their next epoch with their
    # runs RUNNING, job 2 starts without a database and gets no run, the parent cannot be closed.
    jobs, epochs = 3, 6
    sweep_dir = tmp_path / "multirun"
    overrides = (f"seed=range(1,{jobs + 1})", f"trainer.epochs={epochs}")
    command = sweep_command(tiny_wikiqa, pg_tracking, "pg-crash", sweep_dir, *overrides, at_once=jobs - 1)
    # Each request to the dead server is retried 3 times; without the default backoff (1, 2, 4 s; MLflow takes
    # whole numbers) the jobs give up at once
    env = {**sweep_env(), "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0"}
    log = tmp_path / "sweep.log"
    with log.open("w") as output:
        sweep = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_checkpoints(sweep_dir, jobs - 1, sweep, timeout_s=1800)
        pg_tracking.postgres.stop("immediate")
        sweep.wait(timeout=1800)
    finally:
        stop_process_group(sweep)
        if not pg_tracking.postgres.running():
            pg_tracking.postgres.start()
    output = log.read_text()
    assert "stopped answering" in output and "too many 503 error responses" in output
    assert "the parent run" in output and f"experiments-resume-sweep {sweep_dir}" in output
    before = all_runs(pg_tracking.url, "pg-crash")
    assert parent_run(pg_tracking.url, "pg-crash").info.status == "RUNNING"
    jobs_before = [run for run in before if "sweep_parent" not in run.data.tags]
    assert {run.info.status for run in jobs_before} <= {"RUNNING", "FINISHED"}
    assert any(run.info.status == "RUNNING" for run in jobs_before)
    assert len(jobs_before) < jobs  # jobs that started without a database have no run
    unfinished = jobs - sum(run.info.status == "FINISHED" for run in jobs_before)

    resume = subprocess.run(
        [sys.executable, "-m", "experiments.sweeps.resume", str(sweep_dir)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    assert resume.returncode == 0, resume.stderr[-6000:]

    after = all_runs(pg_tracking.url, "pg-crash")
    assert [run for run in after if run.info.status == "RUNNING"] == []
    finished = experiment_runs(pg_tracking.url, "pg-crash")
    assert len(finished) == jobs and {run.info.status for run in finished} == {"FINISHED"}
    stopped = {run.info.run_id for run in before if run.info.status == "RUNNING"}
    client = MlflowClient(pg_tracking.url)
    for run in finished:
        steps = {point.step for point in client.get_metric_history(run.info.run_id, "dev/f1")}
        assert steps == set(range(1, epochs + 1)), run.data.tags["sweep_job"]
        if run.info.run_id in stopped:  # continued from its checkpoint, in its own run
            assert run.data.tags["resumed_from"].startswith(str(sweep_dir / run.data.tags["sweep_job"] / "checkpoints"))
    assert sorted(run.data.tags["sweep_job"] for run in finished) == sorted(str(job) for job in range(jobs))
    parent = parent_run(pg_tracking.url, "pg-crash")
    assert parent.info.status == "FINISHED" and parent.data.metrics["sweep/finished"] == jobs
    assert f"{unfinished} resumed and finished" in resume.stderr
