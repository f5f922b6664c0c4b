"""Which process of a multi-process (``torchrun``) run this is, read from the launcher's environment."""

from __future__ import annotations

import os


def process_rank() -> int:
    """Global rank of this process: ``RANK`` as set by ``torchrun`` / accelerate, 0 for a single process."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """Number of training processes: ``WORLD_SIZE``, 1 for a single process."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    """True on rank 0, the one process that owns the MLflow run and saves the model."""
    return process_rank() == 0
