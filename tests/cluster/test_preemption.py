"""A preempted job comes back: submitit's preemption signal requeues a submitit job, SIGTERM followed by the same
command (what a SLURM requeue runs) continues it; with ``resume=auto`` both finish FINISHED in the same MLflow run
from the last checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.tracking.resume import last_checkpoint
from tests.conftest import fast_overrides
from tests.sweeps.conftest import experiment_runs, parent_run
from tests.sweeps.test_interrupted_sweep import stop_process_group, sweep_command, sweep_env
from tests.test_faults import EXPERIMENT, runs, sigterm_after_first_checkpoint, start_job

pytestmark = pytest.mark.slow

EPOCHS = 6


def submitit_tasks(sweep_dir: Path) -> list[int]:
    """The process ids of the submitit tasks (``python -m submitit.core._submit <folder>``) running a job of the
    sweep: what a scheduler signals."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"submitit.core._submit" in command and any(str(sweep_dir).encode() in part for part in command):
            found.append(int(entry.name))
    return found


def dev_steps(tracking_uri: str, run_id: str) -> list[int]:
    return sorted(point.step for point in MlflowClient(tracking_uri).get_metric_history(run_id, "dev/f1"))


def test_submitits_preemption_signal_requeues_the_job_which_resumes_to_finished(tiny_wikiqa: Path, tmp_path: Path):
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    sweep_dir = tmp_path / "multirun"
    command = sweep_command(
        tiny_wikiqa, tracking_uri, sweep_dir, f"trainer.epochs={EPOCHS}", "resume=auto",
        "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=30",
    )  # fmt: skip
    log = tmp_path / "sweep.log"
    with log.open("w") as output:
        sweep = subprocess.Popen(
            command, env=sweep_env(), cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 900
        while last_checkpoint(sweep_dir / "0" / "checkpoints") is None:
            assert sweep.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the job wrote no checkpoint"
            time.sleep(0.1)
        (task,) = submitit_tasks(sweep_dir)
        os.kill(task, signal.SIGUSR2)  # what SLURM sends at a preemption (submitit's job._interrupt() sends it too)
        assert sweep.wait(timeout=900) == 0, log.read_text()[-6000:]
    finally:
        stop_process_group(sweep)
    submitit_log = "".join(path.read_text() for path in (sweep_dir / ".submitit").rglob("*_log.*"))
    assert "this job is preempted" in submitit_log and "Requeued job" in submitit_log
    (run,) = experiment_runs(tracking_uri, EXPERIMENT)
    assert run.info.status == "FINISHED"
    assert run.data.tags["resumed_after"].startswith("Terminated: SIGUSR2 received: the job was stopped")
    assert "error" not in run.data.tags
    assert run.data.tags["resumed_from"].startswith(str(sweep_dir / "0" / "checkpoints" / "checkpoint-"))
    assert set(dev_steps(tracking_uri, run.info.run_id)) == set(range(1, EPOCHS + 1))
    assert (sweep_dir / "0" / "model" / "decision.json").is_file()
    assert parent_run(tracking_uri, EXPERIMENT).info.status == "FINISHED"


def test_sigterm_then_the_same_command_again_continues_the_run_with_resume_auto(
    tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    # A SLURM requeue after a preemption starts the job script again: the same command line, resume=auto in it.
    overrides = (*fast_overrides(tiny_wikiqa, epochs=EPOCHS), "resume=auto")
    run_dir = tmp_path / "run"
    sigterm_after_first_checkpoint(run_dir, tracking_uri, overrides, wait_in=run_dir)
    (killed,) = runs(tracking_uri)
    assert killed.info.status == "KILLED"

    again = start_job(run_dir, tracking_uri, overrides)
    _, stderr = again.communicate(timeout=900)
    assert again.returncode == 0, stderr[-3000:]
    (run,) = runs(tracking_uri)
    assert run.info.run_id == killed.info.run_id and run.info.status == "FINISHED"
    assert run.data.tags["resumed_after"].startswith("Terminated: SIGTERM received")
    assert set(dev_steps(tracking_uri, run.info.run_id)) == set(range(1, EPOCHS + 1))
    assert "resume=auto: no checkpoint" not in stderr
