"""The one line a job stopped by Ctrl-C or SIGTERM ends with: what became of its MLflow run, and how to resume it."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def close_progress_bars() -> None:
    """Close the progress bars an interrupted job left open (the trainer's, tqdm's): each ends its line now.

    Otherwise tqdm closes them at exit, and the bar, not the line that says how the job ended, is the last one.
    """
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
        bar.close()


def report_stop(message: str) -> None:
    """End the job's output with ``message``: the progress bars closed, then the line on stderr.

    After SIGHUP the terminal is gone and every write to it fails (EIO): the run's status in MLflow says how the
    job ended, and stdout and stderr are pointed at ``/dev/null`` so that nothing left to flush at exit turns the
    job's exit status into an error.
    """
    try:
        close_progress_bars()
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())


def interrupted_message(reason: str, output_dir: str | None) -> str:
    """``<reason>: run <id> KILLED, resume with ... resume=true output_dir=<dir>``, or why there is nothing to resume.

    Args:
        reason: what stopped the job (``interrupted`` for Ctrl-C, ``terminated (SIGTERM)``).
        output_dir: the job's ``output_dir``; None when the job had not started.
    """
    if output_dir is None:
        return f"{reason} before the job started; nothing was recorded"
    # The job had started, so the runner is imported: these cost nothing now.
    from experiments.tracking.resume import RUN_ID_FILE, last_checkpoint

    folder = Path(output_dir)
    run_id_file = folder / RUN_ID_FILE
    if not run_id_file.is_file():
        return f"{reason} before the MLflow run started; nothing was recorded"
    run_id = run_id_file.read_text(encoding="utf-8").strip()
    if last_checkpoint(folder / "checkpoints") is None:
        return f"{reason}: run {run_id} KILLED before its first checkpoint; there is nothing to resume, start it again"
    return f"{reason}: run {run_id} KILLED, resume with the same overrides and resume=true output_dir={folder}"
