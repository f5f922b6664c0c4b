"""Where a run continues from: ``resume=true`` (a checkpoint is required), ``resume=auto`` (when there is one).

``resume=auto`` is for jobs a scheduler may start again with the same command line (a SLURM requeue after a
preemption or a time limit, submitit's requeue, a sweep finished by ``experiments-resume-sweep``): the first start
trains from scratch, a later one continues from the last complete checkpoint in the same MLflow run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)

# In output_dir: the MLflow run id, so that ``resume=true`` continues the same run.
RUN_ID_FILE = "mlflow_run_id"
CHECKPOINTS = "checkpoints"
AUTO = "auto"
RESUME_VALUES = (True, False, AUTO)
# The trainer writes this file last into a checkpoint folder.
TRAINER_STATE_FILE = "trainer_state.json"


def written_completely(checkpoint: Path) -> bool:
    """Whether the trainer finished writing ``checkpoint``: it writes ``trainer_state.json`` last, so a folder
    without it, or with the file empty or cut short (a kill during that write), was cut off."""
    try:
        json.loads((checkpoint / TRAINER_STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return True


def last_checkpoint(folder: str | Path) -> Path | None:
    """The ``checkpoint-<step>`` folder with the highest step that was written completely, or None
    (``transformers.trainer_utils.get_last_checkpoint`` would pick a folder cut off by a kill)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    steps = {
        int(step): path
        for path in folder.glob(f"{PREFIX_CHECKPOINT_DIR}-*")
        if (step := path.name.removeprefix(f"{PREFIX_CHECKPOINT_DIR}-")).isdigit()
    }
    return next((steps[step] for step in sorted(steps, reverse=True) if written_completely(steps[step])), None)


@dataclass(frozen=True)
class ResumePoint:
    """Where a resumed job starts: its last complete checkpoint and the MLflow run to continue (None: a new one)."""

    checkpoint: Path | None = None
    run_id: str | None = None

    @property
    def resuming(self) -> bool:
        """True when this start continues an earlier one (its checkpoint, or at least its MLflow run)."""
        return self.checkpoint is not None or self.run_id is not None


def recorded_run_id(output_dir: str | Path) -> str | None:
    """The MLflow run id a run wrote into ``output_dir``, or None."""
    path = Path(output_dir) / RUN_ID_FILE
    return (path.read_text(encoding="utf-8").strip() or None) if path.is_file() else None


def resume_point(output_dir: str | Path, resume: bool | str | None, save_checkpoints: bool) -> ResumePoint:
    """With ``resume`` (``true`` or ``auto``): the last complete checkpoint in ``output_dir`` and the run id recorded
    beside it.

    ``true`` needs a complete checkpoint. ``auto`` continues from one when there is one; without one it trains from
    the start, in the MLflow run an earlier start recorded (a job stopped before its first checkpoint leaves no run
    RUNNING behind). Both refuse a run that finished (``model/`` is saved and its checkpoints are gone).

    Raises:
        ConfigurationError: another ``resume`` value; ``resume`` without checkpoints being saved; ``true`` without a
            complete checkpoint; a finished run.
    """
    if resume not in RESUME_VALUES and resume is not None:
        raise ConfigurationError(f"resume must be true, false or auto, got {resume!r}")
    if not resume:
        return ResumePoint()
    value = str(resume).lower()
    output_dir = Path(output_dir)
    if not save_checkpoints:
        raise ConfigurationError(f"resume={value} needs trainer.save_checkpoints=true: there is nothing to resume from")
    checkpoint = last_checkpoint(output_dir / CHECKPOINTS)
    finished = (output_dir / "model").is_dir()
    if checkpoint is None and (resume is True or finished):
        note = " (its model/ is saved: the run finished)" if finished else ""
        raise ConfigurationError(f"resume={value}: no complete checkpoint in {output_dir / CHECKPOINTS}{note}")
    run_id = recorded_run_id(output_dir)
    if checkpoint is not None and run_id is None:
        logger.warning(
            "resume=%s: %s not found; the resumed job logs to a new MLflow run", value, output_dir / RUN_ID_FILE
        )
    if checkpoint is None:
        logger.info("resume=auto: no checkpoint in %s yet; training from the start", output_dir / CHECKPOINTS)
    return ResumePoint(checkpoint, run_id)


def record_run_id(output_dir: str | Path, run_id: str | None) -> None:
    """Write the MLflow run's id into ``output_dir``, where ``resume=true`` finds it.

    Under ``torchrun`` only rank 0 has a run (the others' ``run_id`` is None and writes nothing).
    """
    if run_id is not None:
        (Path(output_dir) / RUN_ID_FILE).write_text(run_id, encoding="utf-8")
