"""The line a job stopped by Ctrl-C or SIGTERM ends with (the signals themselves: tests/test_faults, test_signals)."""

from __future__ import annotations

from pathlib import Path

from experiments.run.interruption import interrupted_message
from experiments.tracking.resume import RUN_ID_FILE


def test_the_line_says_what_became_of_the_run_and_whether_it_can_resume(tmp_path: Path):
    assert interrupted_message("interrupted", None) == "interrupted before the job started; nothing was recorded"
    assert interrupted_message("interrupted", str(tmp_path)) == (
        "interrupted before the MLflow run started; nothing was recorded"
    )
    (tmp_path / RUN_ID_FILE).write_text("abc123\n")
    assert interrupted_message("terminated (SIGTERM)", str(tmp_path)) == (
        "terminated (SIGTERM): run abc123 KILLED before its first checkpoint; "
        "there is nothing to resume, start it again"
    )
    checkpoint = tmp_path / "checkpoints" / "checkpoint-10"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text("{}")
    assert interrupted_message("interrupted", str(tmp_path)) == (
        f"interrupted: run abc123 KILLED, resume with the same overrides and resume=true output_dir={tmp_path}"
    )
