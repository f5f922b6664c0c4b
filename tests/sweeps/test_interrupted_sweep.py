"""A sweep stopped before its end (Ctrl-C, fail_fast): every run, the sweep's parent included, ends KILLED or
FAILED with the reason; none stays RUNNING."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from experiments.sweeps.interrupted import REASON, mark_interrupted_runs
from experiments.tracking.tags import SWEEP_PARENT_TAG
from tests.conftest import fast_overrides
from tests.sweeps.conftest import SRC
from tests.test_faults import EXPERIMENT, runs


def ctrl_c_ready() -> None:
    os.setsid()  # its own process group, as a terminal gives a foreground job
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_process_group(process: subprocess.Popen[str]) -> None:
    """Leave nothing running when the test fails: the sweep and its workers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def sweep_command(tiny_wikiqa: Path, tracking_uri: str, sweep_dir: Path, *overrides: str) -> list[str]:
    return [
        sys.executable, "-m", "experiments.train", "-m", *fast_overrides(tiny_wikiqa), *overrides,
        f"tracking.tracking_uri={tracking_uri}", f"hydra.sweep.dir={sweep_dir}",
    ]  # fmt: skip


def sweep_env() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return env


def sweep_parent(tracking_uri: str) -> Run:
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    (parent,) = client.search_runs([experiment.experiment_id], filter_string=f"tags.{SWEEP_PARENT_TAG} = 'true'")
    return parent


def test_a_fail_fast_sweep_ends_its_parent_failed(tiny_wikiqa: Path, tmp_path: Path):
    # loss.gamma=-1 passes the config checks and fails when the loss is built; fail_fast stops the sweep at the
    # end of the sweeper's batch of jobs: one job per batch here
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    command = sweep_command(
        tiny_wikiqa, tracking_uri, tmp_path / "multirun", "trainer.epochs=1", "loss=focal", "loss.gamma=-1,2",
        "fail_fast=true", "hydra.sweeper.max_batch_size=1",
    )  # fmt: skip
    result = subprocess.run(command, env=sweep_env(), cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode != 0
    assert [run.info.status for run in runs(tracking_uri)] == ["FAILED"]  # the second job never started
    parent = sweep_parent(tracking_uri)
    assert parent.info.status == "FAILED"
    assert parent.data.tags["error"].startswith("The sweep stopped on an error: a job failed with fail_fast=true")
    assert parent.data.metrics["sweep/jobs"] == 1 and parent.data.metrics["sweep/finished"] == 0


def test_ctrl_c_in_a_sweep_ends_the_job_and_the_parent_killed(tiny_wikiqa: Path, tmp_path: Path):
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    sweep_dir = tmp_path / "multirun"
    command = sweep_command(tiny_wikiqa, tracking_uri, sweep_dir, "trainer.epochs=200", "seed=1,2")
    log = tmp_path / "sweep.log"  # a file, not a pipe nobody reads: a full pipe would block the job
    with log.open("w") as output:
        sweep = subprocess.Popen(
            command, env=sweep_env(), cwd=tmp_path, stderr=output, text=True, preexec_fn=ctrl_c_ready
        )
    try:
        deadline = time.monotonic() + 600
        while not (sweep_dir / "0" / "checkpoints").is_dir():
            assert sweep.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the first job did not start training"
            time.sleep(0.1)
        os.killpg(sweep.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        sweep.wait(timeout=300)
    finally:
        stop_process_group(sweep)
    assert sweep.returncode != 0
    assert [run.info.status for run in runs(tracking_uri)] == ["KILLED"]
    parent = sweep_parent(tracking_uri)
    assert parent.info.status == "KILLED"
    assert parent.data.tags["error"] == "The sweep was interrupted: a job was killed"


def test_ctrl_c_in_a_joblib_sweep_marks_every_run_killed(tiny_wikiqa: Path, tmp_path: Path):
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    sweep_dir = tmp_path / "multirun"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    command = [
        sys.executable, "-m", "experiments.train", "-m", *fast_overrides(tiny_wikiqa, epochs=200), "seed=1,2",
        f"tracking.tracking_uri={tracking_uri}", f"hydra.sweep.dir={sweep_dir}",
        "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
    ]  # fmt: skip
    # The jobs' output goes to a file: a pipe nobody reads fills up (64 kB of log lines and progress bars) and
    # blocks the jobs before they train.
    log = tmp_path / "sweep.log"
    with log.open("w") as output:
        sweep = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=output, text=True, preexec_fn=ctrl_c_ready)
    deadline = time.monotonic() + 600
    while not all((sweep_dir / job / "checkpoints").is_dir() for job in "01"):
        assert sweep.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the jobs did not start training"
        time.sleep(0.1)
    os.killpg(sweep.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    sweep.wait(timeout=300)
    assert sweep.returncode != 0
    jobs = runs(tracking_uri)
    assert len(jobs) == 2
    assert [run.info.status for run in jobs] == ["KILLED", "KILLED"]
    assert all(run.data.tags["error"].startswith("KeyboardInterrupt") for run in jobs)


def test_the_interrupted_sweep_marks_its_running_runs_and_says_why_its_killed_ones_stopped(tracking_uri: str):
    # a job killed by its launcher between marking its run KILLED and recording why leaves it without a reason
    client = MlflowClient(tracking_uri)
    experiment = client.create_experiment("sweep")
    tagged = {"sweep_id": "multirun/a"}
    running, unexplained, explained, finished = (client.create_run(experiment, tags=tagged) for _ in range(4))
    other_sweep = client.create_run(experiment, tags={"sweep_id": "multirun/b"})
    for run, status in ((unexplained, "KILLED"), (explained, "KILLED"), (finished, "FINISHED")):
        client.set_terminated(run.info.run_id, status=status)
    client.set_tag(explained.info.run_id, "error", "KeyboardInterrupt: ")

    assert mark_interrupted_runs(tracking_uri, "sweep", "multirun/a") == 1
    after = {run.info.run_id: run for run in client.search_runs([experiment])}
    for run in (running, unexplained):
        assert after[run.info.run_id].info.status == "KILLED"
        assert after[run.info.run_id].data.tags["error"] == REASON
    assert after[explained.info.run_id].data.tags["error"] == "KeyboardInterrupt: "
    finished_after = after[finished.info.run_id]
    assert finished_after.info.status == "FINISHED" and "error" not in finished_after.data.tags
    assert after[other_sweep.info.run_id].info.status == "RUNNING"
