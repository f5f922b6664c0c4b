"""``resume=true``: the checkpoint a killed job continues from and the MLflow run it continues in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from experiments.errors import ConfigurationError
from experiments.run.training import last_checkpoint

logger = logging.getLogger(__name__)

# In output_dir: the MLflow run id, so that ``resume=true`` continues the same run.
RUN_ID_FILE = "mlflow_run_id"
CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class ResumePoint:
    """Where a resumed job starts: its last complete checkpoint and the MLflow run to continue (None: a new one)."""

    checkpoint: Path | None = None
    run_id: str | None = None


def resume_point(output_dir: str | Path, resume: bool, save_checkpoints: bool) -> ResumePoint:
    """With ``resume``: the last complete checkpoint in ``output_dir`` and the run id recorded beside it.

    Raises:
        ConfigurationError: ``resume`` without checkpoints being saved, or without a complete checkpoint.
    """
    if not resume:
        return ResumePoint()
    output_dir = Path(output_dir)
    if not save_checkpoints:
        raise ConfigurationError("resume=true needs trainer.save_checkpoints=true: there is nothing to resume from")
    checkpoint = last_checkpoint(output_dir / CHECKPOINTS)
    if checkpoint is None:
        finished = " (its model/ is saved: the run finished)" if (output_dir / "model").is_dir() else ""
        raise ConfigurationError(f"resume=true: no complete checkpoint in {output_dir / CHECKPOINTS}{finished}")
    run_id_file = output_dir / RUN_ID_FILE
    run_id = run_id_file.read_text(encoding="utf-8").strip() if run_id_file.is_file() else None
    if run_id is None:
        logger.warning("resume=true: %s not found; the resumed job logs to a new MLflow run", run_id_file)
    return ResumePoint(checkpoint, run_id)


def record_run_id(output_dir: str | Path, run_id: str | None) -> None:
    """Write the MLflow run's id into ``output_dir``, where ``resume=true`` finds it."""
    (Path(output_dir) / RUN_ID_FILE).write_text(str(run_id), encoding="utf-8")
