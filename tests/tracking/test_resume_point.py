"""``resume=true`` finds the last complete checkpoint and the MLflow run recorded beside it, or says why not."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from experiments.errors import ConfigurationError
from experiments.run.training import TRAINER_STATE_FILE
from experiments.tracking.resume import RUN_ID_FILE, ResumePoint, record_run_id, resume_point


def checkpoint(output_dir: Path, step: int, complete: bool = True) -> Path:
    folder = output_dir / "checkpoints" / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    if complete:
        (folder / TRAINER_STATE_FILE).write_text("{}")
    return folder


def test_without_resume_there_is_nothing_to_continue(tmp_path: Path):
    checkpoint(tmp_path, 10)
    assert resume_point(tmp_path, resume=False, save_checkpoints=True) == ResumePoint(None, None)


def test_resume_continues_the_last_complete_checkpoint_in_the_recorded_run(tmp_path: Path):
    checkpoint(tmp_path, 10)
    last = checkpoint(tmp_path, 20)
    checkpoint(tmp_path, 30, complete=False)  # cut off by the kill
    record_run_id(tmp_path, "abc123")
    assert (tmp_path / RUN_ID_FILE).read_text() == "abc123"
    assert resume_point(tmp_path, resume=True, save_checkpoints=True) == ResumePoint(last, "abc123")


def test_resume_without_a_recorded_run_logs_to_a_new_one(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    last = checkpoint(tmp_path, 10)
    with caplog.at_level(logging.WARNING):
        assert resume_point(tmp_path, resume=True, save_checkpoints=True) == ResumePoint(last, None)
    assert f"resume=true: {tmp_path / RUN_ID_FILE} not found; the resumed job logs to a new MLflow run" in caplog.text


def test_resume_is_refused_without_checkpoints(tmp_path: Path):
    with pytest.raises(
        ConfigurationError, match=r"^resume=true needs trainer\.save_checkpoints=true: there is nothing"
    ):
        resume_point(tmp_path, resume=True, save_checkpoints=False)
    (tmp_path / "model").mkdir()
    checkpoint(tmp_path, 10, complete=False)
    with pytest.raises(ConfigurationError, match=r"no complete checkpoint in .*checkpoints \(its model/ is saved"):
        resume_point(tmp_path, resume=True, save_checkpoints=True)
