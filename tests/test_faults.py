"""Faults during a run: SIGKILL then resume, a non-finite loss, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from omegaconf import open_dict

from experiments.errors import ConfigurationError
from experiments.run.runner import train
from experiments.tracking.resume import RUN_ID_FILE, last_checkpoint
from experiments.tracking.tags import SWEEP_PARENT_TAG
from tests.conftest import fast_overrides

EXPERIMENT = "crossencoder-imbalance"


def runs(tracking_uri: str) -> list:
    """The job runs of the experiment (a sweep's parent run left out)."""
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    found = client.search_runs([experiment.experiment_id]) if experiment else []
    return [run for run in found if SWEEP_PARENT_TAG not in run.data.tags]


def start_job(run_dir: Path, tracking_uri: str, overrides: tuple[str, ...]) -> subprocess.Popen:
    """``python -m experiments.train`` in a child process, as a user would start it."""
    command = [
        sys.executable,
        "-m",
        "experiments.train",
        *overrides,
        f"hydra.run.dir={run_dir}",
        f"tracking.tracking_uri={tracking_uri}",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts background jobs with SIGINT ignored, and children inherit that: give the job the
        # default handler a terminal's Ctrl-C meets, whatever started the tests.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_checkpoint(job: subprocess.Popen, run_dir: Path, timeout: float = 300) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        checkpoint = last_checkpoint(run_dir / "checkpoints")
        if checkpoint is not None:
            return checkpoint
        if job.poll() is not None:
            pytest.fail(f"the job ended before its first checkpoint: {job.stderr.read()[-3000:]}")
        time.sleep(0.02)
    job.kill()
    pytest.fail("no checkpoint appeared")


def sigterm_after_first_checkpoint(run_dir: Path, tracking_uri: str, overrides: tuple[str, ...], wait_in: Path) -> str:
    """Start the job, send SIGTERM once ``wait_in`` holds a checkpoint, check it exits 143; its stderr."""
    job = start_job(run_dir, tracking_uri, overrides)
    wait_for_checkpoint(job, wait_in, timeout=900)
    job.send_signal(signal.SIGTERM)
    _, stderr = job.communicate(timeout=300)
    assert job.returncode == 143, stderr[-3000:]
    return stderr


def test_a_job_killed_mid_training_resumes_to_the_same_metrics_in_the_same_run(
    compose_config, tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    overrides = fast_overrides(tiny_wikiqa, epochs=4)
    run_dir = tmp_path / "run"
    job = start_job(run_dir, tracking_uri, overrides)
    wait_for_checkpoint(job, run_dir)
    job.send_signal(signal.SIGKILL)
    job.wait()
    assert not (run_dir / "model").exists(), "the job finished before it was killed"
    (killed,) = runs(tracking_uri)
    assert killed.info.status == "RUNNING"
    assert (run_dir / RUN_ID_FILE).read_text() == killed.info.run_id

    resumed = train(compose_config(*overrides, "resume=true"))

    cfg = compose_config(*overrides)
    with open_dict(cfg):
        cfg.output_dir = str(tmp_path / "uninterrupted")
        cfg.tracking.tracking_uri = f"sqlite:///{tmp_path / 'uninterrupted.db'}"
    uninterrupted = train(cfg)

    assert resumed.keys() == uninterrupted.keys()
    assert resumed == pytest.approx(uninterrupted, rel=1e-6, abs=1e-9)
    (run,) = runs(tracking_uri)
    assert run.info.run_id == killed.info.run_id and run.info.status == "FINISHED"
    assert run.data.tags["resumed_from"].startswith(str(run_dir / "checkpoints" / "checkpoint-"))
    history = MlflowClient(tracking_uri).get_metric_history(run.info.run_id, "dev/f1")
    assert sorted({m.step for m in history}) == [1, 2, 3, 4]
    assert run.data.metrics["test/f1"] == pytest.approx(uninterrupted["test_f1"])
    assert not (run_dir / "checkpoints").exists()


def test_resume_without_a_checkpoint_says_so(compose_config, tiny_wikiqa: Path, tmp_path: Path):
    with pytest.raises(ConfigurationError, match=f"resume=true: no complete checkpoint in {tmp_path / 'run'}"):
        train(compose_config(*fast_overrides(tiny_wikiqa), "resume=true"))


def test_a_non_finite_loss_fails_the_run_with_the_step_and_the_value(
    compose_config, tracking_uri: str, tiny_wikiqa: Path
):
    cfg = compose_config(  # sampling=none: several steps in the first epoch, so the loss turns NaN within it
        *fast_overrides(tiny_wikiqa), "sampling=none", "trainer.learning_rate=1e38", "trainer.max_grad_norm=1e38"
    )
    with pytest.raises(FloatingPointError, match=r"training loss is (nan|inf) at step \d+ \(epoch"):
        train(cfg)
    (run,) = runs(tracking_uri)
    assert run.info.status == "FAILED"
    assert run.data.tags["error"].startswith("NonFiniteLossError: training loss is ")
    assert "lower trainer.learning_rate" in run.data.tags["error"]


def test_ctrl_c_marks_the_run_killed_and_leaves_no_model(tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path):
    run_dir = tmp_path / "run"
    job = start_job(run_dir, tracking_uri, fast_overrides(tiny_wikiqa, epochs=50))
    wait_for_checkpoint(job, run_dir)
    job.send_signal(signal.SIGINT)
    _, stderr = job.communicate(timeout=120)
    assert job.returncode == 130, stderr[-3000:]
    (run,) = runs(tracking_uri)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stderr.splitlines()[-1] == (
        f"interrupted: run {run.info.run_id} KILLED, resume with the same overrides and resume=true "
        f"output_dir={run_dir}"
    )
    assert run.info.status == "KILLED"
    assert run.data.tags["error"] == "KeyboardInterrupt: "
    assert not (run_dir / "model").exists()
    assert not list(run_dir.glob(".model-*"))
