"""A run's ``output_dir`` is its own: a new run refuses a folder that holds files; a run deletes only what it wrote.

A second run in a used folder would replace the first one's ``model/`` while both MLflow runs keep pointing at
it (tag ``model_dir``), and would delete a ``checkpoints/`` folder it did not write. The check is made before
any data is read; the claim itself is atomic (:func:`experiments.run.pinned_config.pin_run_config` creates
``run_config.yaml`` only if it does not exist), so two runs started at once on one folder cannot both pass.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Collection
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from experiments.distributed import is_main_process
from experiments.errors import ConfigurationError
from experiments.run.pinned_config import CONFIG_FILE
from experiments.tracking.resume import RUN_ID_FILE

logger = logging.getLogger(__name__)

# What a run writes into its output_dir that a later ``resume=true`` continues from.
RUN_FILES = (RUN_ID_FILE, CONFIG_FILE)
# What the trainer writes into its output folder: a checkpoint-<step> folder per save, and eval/ for the evaluator.
TRAINER_FOLDERS = re.compile(rf"{PREFIX_CHECKPOINT_DIR}-\d+|eval")
# Entries listed in a refusal (the rest are counted).
LISTED = 5
# The file each process writes and removes to check that output_dir can be written (one per process under torchrun).
PROBE = ".write-test"


def hydra_job_files(output_dir: str | Path | None = None) -> frozenset[str]:
    """Names of the files Hydra wrote into its job folder (``.hydra/``, ``<job>.log``); empty outside Hydra.

    With ``output_dir``: empty unless ``output_dir`` is Hydra's job folder.
    """
    if not HydraConfig.initialized():
        return frozenset()
    hydra = HydraConfig.get()
    try:
        job_dir = Path(hydra.runtime.output_dir)
    except Exception:  # composed without a job (the compose API): no job folder
        return frozenset()
    if output_dir is not None and Path(output_dir).resolve() != job_dir.resolve():
        return frozenset()
    return frozenset(str(name) for name in (hydra.output_subdir, f"{hydra.job.name}.log") if name)


def check_output_dir(output_dir: str | Path, resume: bool, own_files: Collection[str] = ()) -> None:
    """Refuse, for a new run (``resume=false``), an ``output_dir`` that holds anything but ``own_files``.

    Raises :class:`ConfigurationError` with one line naming the folder, what it holds and what to do. Under
    ``torchrun`` only rank 0 checks: the other ranks share its folder.
    """
    folder = Path(output_dir)
    if resume or not is_main_process() or not folder.is_dir():
        return
    held = sorted(
        path.name + ("/" if path.is_dir() else "")
        for path in folder.iterdir()
        if path.name not in own_files and not path.name.startswith(PROBE)
    )
    if not held:
        return
    shown = ", ".join(held[:LISTED]) + (f" and {len(held) - LISTED} more" if len(held) > LISTED else "")
    if any(name in RUN_FILES for name in held):
        advice = "continue that run with resume=true, or choose another output_dir"
        if RUN_ID_FILE not in held:
            advice = (
                "a run started there but never reached the tracking store (no mlflow_run_id): "
                "remove the folder or choose another output_dir"
            )
        raise ConfigurationError(f"output_dir={str(folder)!r} already holds a run ({shown}); {advice}")
    raise ConfigurationError(
        f"output_dir={str(folder)!r} is not empty ({shown}); a new run needs an empty or new folder, "
        "so that it neither replaces nor deletes files it did not write: choose another output_dir"
    )


def prepare_output_dir(output_dir: str | Path, resume: bool, own_files: Collection[str] = ()) -> None:
    """:func:`check_output_dir`, then create ``output_dir`` and check that it can be written (one line if not)."""
    folder = Path(output_dir)
    check_output_dir(folder, resume, own_files)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f"{PROBE}-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise ConfigurationError(f"output_dir={str(folder)!r} cannot be written: {error}") from error


def remove_checkpoints(folder: str | Path) -> None:
    """Delete the trainer's folders in ``folder`` (``checkpoint-<step>``, ``eval``), then ``folder`` once empty.

    Anything else in ``folder`` was not written by the trainer: it is kept, and named in a warning.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_dir() and TRAINER_FOLDERS.fullmatch(path.name):
            shutil.rmtree(path, ignore_errors=True)
    left = sorted(path.name for path in folder.iterdir())
    if left:
        logger.warning("Kept %s: it holds files the run did not write (%s)", folder, ", ".join(left[:LISTED]))
        return
    folder.rmdir()
