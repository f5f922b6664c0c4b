"""Ctrl-C in a joblib sweep: every run of the sweep ends KILLED with the reason, none stays RUNNING."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import fast_overrides
from tests.sweeps.conftest import SRC
from tests.test_faults import runs


def ctrl_c_ready() -> None:
    os.setsid()  # its own process group, as a terminal gives a foreground job
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skip(
    reason="flaky: in one of three runs the joblib workers never started training within 600 s; to be made reliable"
)
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
    sweep = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_ready)
    deadline = time.monotonic() + 600
    while not all((sweep_dir / job / "checkpoints").is_dir() for job in "01"):
        assert sweep.poll() is None, sweep.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "the jobs did not start training"
        time.sleep(0.1)
    os.killpg(sweep.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    sweep.communicate(timeout=300)
    assert sweep.returncode != 0
    jobs = runs(tracking_uri)
    assert len(jobs) == 2
    assert [run.info.status for run in jobs] == ["KILLED", "KILLED"]
    assert all(run.data.tags["error"].startswith("KeyboardInterrupt") for run in jobs)
