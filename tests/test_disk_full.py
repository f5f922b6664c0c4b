"""A checkpoint that cannot be written (full disk) ends the run FAILED with one line naming the folder."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import fast_overrides
from tests.test_faults import runs

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
