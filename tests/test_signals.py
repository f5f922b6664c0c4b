"""SIGTERM (SLURM time limit or preemption, ``timeout``): the run ends KILLED with the reason, and resumes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.run.runner import train
from experiments.run.training import StopOnSignal
from experiments.signals import Terminated, signals_held, terminate_gracefully
from experiments.tracking.resume import last_checkpoint
from experiments.tracking.unreachable import GuardedClient
from tests.conftest import fast_overrides
from tests.test_faults import runs, sigterm_after_first_checkpoint, wait_for_checkpoint

REASON = "Terminated: SIGTERM received: the job was stopped"


@pytest.fixture(autouse=True)
def python_handles_ctrl_c() -> Iterator[None]:
    """Python's own Ctrl-C handler, as in a job started from a shell (pytest-xdist's workers ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_sigterm_marks_the_run_killed_exits_143_and_the_job_resumes(
    compose_config, tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    overrides = fast_overrides(tiny_wikiqa, epochs=8)
    run_dir = tmp_path / "run"
    stderr = sigterm_after_first_checkpoint(run_dir, tracking_uri, overrides, wait_in=run_dir)
    assert not (run_dir / "model").exists(), "the job finished before it was stopped"
    (killed,) = runs(tracking_uri)
    assert killed.info.status == "KILLED"
    assert killed.data.tags["error"].startswith(REASON)
    assert last_checkpoint(run_dir / "checkpoints") is not None
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == (
        f"terminated (SIGTERM): run {killed.info.run_id} KILLED, resume with the same overrides and resume=true "
        f"output_dir={run_dir}"
    )

    train(compose_config(*overrides, "resume=true"))
    (run,) = runs(tracking_uri)
    assert run.info.run_id == killed.info.run_id and run.info.status == "FINISHED"
    assert (run_dir / "model" / "decision.json").is_file()


def test_sigterm_during_cross_validation_marks_the_parent_and_the_fold_killed(
    tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    run_dir = tmp_path / "run"
    overrides = (*fast_overrides(tiny_wikiqa, epochs=50), "cv.folds=2")
    sigterm_after_first_checkpoint(run_dir, tracking_uri, overrides, wait_in=run_dir / "fold-1")
    statuses = sorted((run.data.tags.get("cv_fold", "parent"), run.info.status) for run in runs(tracking_uri))
    assert statuses == [("1", "KILLED"), ("parent", "KILLED")]
    assert all(run.data.tags["error"].startswith(REASON) for run in runs(tracking_uri))


def start_job_on_a_terminal(
    run_dir: Path, tracking_uri: str, overrides: tuple[str, ...]
) -> tuple[subprocess.Popen, int]:
    """``python -m experiments.train`` in its own session with a pseudo-terminal as its controlling terminal and
    its stdout and stderr, as a job typed into a terminal window runs; returns the job and the terminal's side."""
    terminal, job_side = pty.openpty()

    def take_the_terminal() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as a shell starts a job, even when pytest runs under nohup
        os.setsid()
        fcntl.ioctl(job_side, termios.TIOCSCTTY, 0)

    command = [sys.executable, "-m", "experiments.train", *overrides, f"hydra.run.dir={run_dir}"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command.append(f"tracking.tracking_uri={tracking_uri}")
    job = subprocess.Popen(
        command, env=env, stdin=job_side, stdout=job_side, stderr=job_side, preexec_fn=take_the_terminal
    )
    os.close(job_side)
    threading.Thread(target=_drain, args=(terminal,), daemon=True).start()
    return job, terminal


def _drain(terminal: int) -> None:
    """Read what the job writes to its terminal, so that it never blocks on a full one."""
    with contextlib.suppress(OSError):
        while os.read(terminal, 65536):
            pass


@pytest.mark.slow
def test_closing_the_terminal_marks_the_run_killed_and_the_job_resumes(
    compose_config, tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    overrides = fast_overrides(tiny_wikiqa, epochs=8)
    run_dir = tmp_path / "run"
    job, terminal = start_job_on_a_terminal(run_dir, tracking_uri, overrides)
    wait_for_checkpoint(job, run_dir, timeout=900)
    os.close(terminal)  # the terminal window is closed: the kernel sends SIGHUP to the job
    assert job.wait(timeout=300) == 128 + signal.SIGHUP
    assert not (run_dir / "model").exists(), "the job finished before its terminal was closed"
    (killed,) = runs(tracking_uri)
    assert killed.info.status == "KILLED"
    assert killed.data.tags["error"].startswith("Terminated: SIGHUP received: the terminal was closed")
    assert last_checkpoint(run_dir / "checkpoints") is not None

    train(compose_config(*overrides, "resume=true"))
    (run,) = runs(tracking_uri)
    assert run.info.run_id == killed.info.run_id and run.info.status == "FINISHED"


class SignalsItselfWhenCollected:
    """Sends ``signum`` to its own process from ``__del__``: the handler's exception is then one that Python
    ignores ("Exception ignored in ..."), as when a Ctrl-C lands in SQLAlchemy's garbage collection."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        for _ in range(10_000):  # bytecode for the handler to run in
            pass


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed raise, on purpose
@pytest.mark.parametrize(("signum", "expected"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)])
def test_a_signal_swallowed_by_a_finalizer_stops_training_at_the_next_step(signum: int, expected: type):
    with terminate_gracefully():
        SignalsItselfWhenCollected(signum)  # collected at once; its handler's raise is ignored
        with pytest.raises(expected):
            StopOnSignal().on_step_end()
    StopOnSignal().on_step_end()  # the block is over: nothing pending


def test_sighup_ends_the_block_like_sigterm_unless_the_job_runs_under_nohup():
    with terminate_gracefully(), pytest.raises(Terminated, match="SIGHUP received: the terminal was closed") as stop:
        assert callable(signal.getsignal(signal.SIGHUP)), "SIGHUP would end the process at once"
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(10_000):  # bytecode for the handler to run in
            pass
    assert stop.value.exit_code == 129
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # what nohup does
    try:
        with terminate_gracefully():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)  # ignored: the job goes on
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


class SignalsItselfMidWrite:
    """An MLflow client whose ``set_tag`` receives ``signum`` after it started and before it writes."""

    def __init__(self, client: MlflowClient, signum: int) -> None:
        self.client = client
        self.signum = signum

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        os.kill(os.getpid(), self.signum)
        for _ in range(10_000):  # bytecode for the handler to run in
            pass
        self.client.set_tag(run_id, key, value)


@pytest.mark.parametrize(("signum", "expected"), [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_during_a_store_write_stops_the_job_after_the_write(tracking_uri: str, signum: int, expected: type):
    client = MlflowClient(tracking_uri)
    run = client.create_run(client.create_experiment("signals"))
    guarded = GuardedClient(SignalsItselfMidWrite(client, signum), tracking_uri)
    with terminate_gracefully(), pytest.raises(expected):
        guarded.set_tag(run.info.run_id, "written", "yes")
    assert client.get_run(run.info.run_id).data.tags["written"] == "yes", "the write was cut short"
    client.set_terminated(run.info.run_id, status="KILLED")  # the store is not left locked
    assert client.get_run(run.info.run_id).info.status == "KILLED"


def test_a_signal_in_a_held_block_that_fails_still_stops_the_job():
    with terminate_gracefully(), pytest.raises(Terminated) as stop, signals_held():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10_000):
            pass
        raise ValueError("the write failed")
    assert isinstance(stop.value.__context__, ValueError)
