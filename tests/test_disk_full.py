"""A full disk: a checkpoint that cannot be written, or a tracking store that cannot grow, ends the run FAILED with
one line naming the folder or the database."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.run.runner import train
from tests.conftest import fast_overrides
from tests.test_faults import runs, start_job, wait_for_checkpoint

# Above the tiny model's weights (~4 MB), below its optimizer state (~8 MB): the checkpoint's optimizer.pt
# fails as it would on a full disk (torch: "[enforce fail at inline_container.cc] ... file write failed").
FILE_SIZE_LIMIT = 6 << 20


def limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_a_checkpoint_that_cannot_be_written_fails_the_run_in_one_line(
    tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    run_dir = tmp_path / "run"
    command = [
        sys.executable, "-m", "experiments.train", *fast_overrides(tiny_wikiqa, epochs=1),
        f"hydra.run.dir={run_dir}", f"tracking.tracking_uri={tracking_uri}",
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    job = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, preexec_fn=limit_file_size)
    assert job.returncode == 1
    message = f"cannot write a checkpoint to {run_dir / 'checkpoints'}: file write failed (is the disk full?)"
    assert message in job.stderr
    assert "inline_container" not in job.stderr
    (run,) = runs(tracking_uri)
    assert run.info.status == "FAILED"
    assert run.data.tags["error"].startswith(f"CheckpointWriteError: {message}")
    assert not (run_dir / "model").exists()


@pytest.mark.slow
def test_a_full_tracking_store_stops_the_run_in_one_line_and_the_resume_finishes_it(
    compose_config, tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    database = tmp_path / "mlflow.db"
    MlflowClient(tracking_uri).search_experiments()  # creates the store's tables
    with sqlite3.connect(database) as connection:  # a database larger than any checkpoint file
        connection.execute("CREATE TABLE filler (b BLOB)")
        connection.execute("INSERT INTO filler VALUES (zeroblob(20000000))")
    overrides = fast_overrides(tiny_wikiqa, epochs=3)
    run_dir = tmp_path / "run"
    job = start_job(run_dir, tracking_uri, overrides)
    wait_for_checkpoint(job, run_dir, timeout=900)
    size = database.stat().st_size  # from now on the database cannot grow: its disk is full
    resource.prlimit(job.pid, resource.RLIMIT_FSIZE, (size, size))
    _, stderr = job.communicate(timeout=900)

    assert job.returncode == 2, stderr[-3000:]
    message = (
        f"tracking.tracking_uri={tracking_uri!r}: the database {database} cannot be written (disk I/O error): is its "
        "disk full? Free space, then continue the run with resume=true (from its last checkpoint, if one was written)"
    )
    assert stderr.splitlines().count(f"error: {message}") == 1
    assert "sqlalchemy" not in stderr.lower() and "Traceback" not in stderr
    (run,) = runs(tracking_uri)
    assert run.info.status == "FAILED" and run.data.tags["error"] == f"TrackingStoreFull: {message}"

    train(compose_config(*overrides, "resume=true"))  # space freed (no limit in this process)
    (resumed,) = runs(tracking_uri)
    assert resumed.info.run_id == run.info.run_id and resumed.info.status == "FINISHED"
    history = MlflowClient(tracking_uri).get_metric_history(run.info.run_id, "dev/f1")
    assert sorted({metric.step for metric in history}) == [1, 2, 3]
