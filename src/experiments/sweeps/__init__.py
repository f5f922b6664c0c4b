"""Hydra callbacks of a multirun sweep: the store prepared once, the parent run, interrupted jobs marked."""

from __future__ import annotations

from experiments.sweeps.parent_run import SweepRun
from experiments.sweeps.store_setup import PrepareTrackingStore

__all__ = ["PrepareTrackingStore", "SweepRun"]
