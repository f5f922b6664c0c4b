"""``resume=true`` and ``resume=auto`` find the last complete checkpoint and the MLflow run recorded beside it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from experiments.config import check_config
from experiments.errors import ConfigurationError
from experiments.tracking.resume import RUN_ID_FILE, TRAINER_STATE_FILE, ResumePoint, record_run_id, resume_point
from tests.config.test_schema import compose_only


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


@pytest.mark.parametrize("state", ["", '{"global_step": 3, "log_hist'], ids=["empty", "cut-short"])
def test_a_checkpoint_whose_trainer_state_was_cut_off_is_not_the_last(tmp_path: Path, state: str):
    # a kill while trainer_state.json is written leaves it empty or cut short: the trainer could not load it
    last = checkpoint(tmp_path, 10)
    (checkpoint(tmp_path, 20, complete=False) / TRAINER_STATE_FILE).write_text(state)
    assert resume_point(tmp_path, "auto", save_checkpoints=True).checkpoint == last


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


def test_auto_in_an_empty_folder_starts_from_scratch(tmp_path: Path):
    point = resume_point(tmp_path, "auto", save_checkpoints=True)
    assert point == ResumePoint(None, None) and not point.resuming


def test_auto_continues_from_the_last_complete_checkpoint_in_the_recorded_run(tmp_path: Path):
    checkpoint(tmp_path, 4)
    last = checkpoint(tmp_path, 8)
    checkpoint(tmp_path, 12, complete=False)  # cut off by the kill
    (tmp_path / RUN_ID_FILE).write_text("abc123\n")
    assert resume_point(tmp_path, "auto", save_checkpoints=True) == ResumePoint(last, "abc123")


def test_auto_without_a_checkpoint_starts_again_in_the_run_an_earlier_start_made(tmp_path: Path):
    (tmp_path / RUN_ID_FILE).write_text("abc123")
    point = resume_point(tmp_path, "auto", save_checkpoints=True)
    assert point == ResumePoint(None, "abc123") and point.resuming


def test_auto_and_true_refuse_a_run_that_finished(tmp_path: Path):
    (tmp_path / "model").mkdir()
    for value in ("auto", True):
        with pytest.raises(ConfigurationError, match=r"no complete checkpoint in .* \(its model/ is saved: the run"):
            resume_point(tmp_path, value, save_checkpoints=True)


def test_true_without_a_checkpoint_and_auto_without_checkpoints_saved_say_so(tmp_path: Path):
    with pytest.raises(ConfigurationError, match=f"resume=true: no complete checkpoint in {tmp_path / 'checkpoints'}"):
        resume_point(tmp_path, True, save_checkpoints=True)
    with pytest.raises(ConfigurationError, match=r"resume=auto needs trainer\.save_checkpoints=true"):
        resume_point(tmp_path, "auto", save_checkpoints=False)


def test_false_ignores_the_folder(tmp_path: Path):
    checkpoint(tmp_path, 4)
    assert resume_point(tmp_path, False, save_checkpoints=True) == ResumePoint()


def test_another_resume_value_fails_the_config_check():
    check_config(compose_only("resume=auto"))
    with pytest.raises(ConfigurationError, match="resume must be true, false or auto, got 'yes'"):
        check_config(compose_only("resume=yes"))
