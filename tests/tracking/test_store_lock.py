"""Runs started together on a new SQLite store are all recorded (the store is created under a file lock)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from mlflow.tracking import MlflowClient

PROCESSES = 5
# Each process imports everything, waits for the start signal, then starts a run on the shared new store.
START_A_RUN = """
import sys, time
from pathlib import Path
from experiments.tracking import MlflowTracker
go = Path(sys.argv[2])
go.with_name(f"ready-{sys.argv[3]}").touch()
while not go.exists():
    time.sleep(0.005)
with MlflowTracker(sys.argv[1], "together", run_name=sys.argv[3]) as tracker:
    tracker.log_metrics({"started": 1.0})
"""


def test_runs_started_together_on_a_new_sqlite_store_are_all_recorded(tmp_path: Path):
    tracking_uri = f"sqlite:///{tmp_path / 'new.db'}"
    go = tmp_path / "go"
    env = dict(os.environ)
    jobs = [
        subprocess.Popen(
            [sys.executable, "-c", START_A_RUN, tracking_uri, str(go), f"job{k}"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(PROCESSES)
    ]
    deadline = time.monotonic() + 300
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.1)
    go.touch()  # every process is waiting at the start line
    errors = [job.communicate(timeout=300)[1] for job in jobs]
    assert [job.returncode for job in jobs] == [0] * PROCESSES, "\n".join(error[-1500:] for error in errors)
    client = MlflowClient(tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name("together").experiment_id])
    assert sorted(run.info.run_name for run in runs) == [f"job{k}" for k in range(PROCESSES)]
    assert all(run.info.status == "FINISHED" for run in runs)
