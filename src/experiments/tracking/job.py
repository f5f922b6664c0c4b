"""Which Hydra job this is: a single run or one job of a ``--multirun`` sweep, and what MLflow is told of it."""

from __future__ import annotations

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from experiments.tracking.tags import sweep_parent_tags


def in_sweep() -> bool:
    """True inside a ``--multirun`` job, whose failures are recorded in MLflow and need not stop the sweep."""
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def job_tags() -> dict[str, str]:
    """Group choices, overrides and sweep membership of the current Hydra job, as MLflow tags."""
    if not HydraConfig.initialized():
        return {}
    hydra = HydraConfig.get()
    tags = {
        group: str(choice)
        for group, choice in hydra.runtime.choices.items()
        if choice is not None and not group.startswith("hydra")
    }
    tags["overrides"] = " ".join(hydra.overrides.task)
    if in_sweep():
        tags["sweep_id"] = str(hydra.sweep.dir)
        tags["sweep_job"] = str(hydra.job.num)
        tags.update(sweep_parent_tags(hydra.sweep.dir))
    return tags
