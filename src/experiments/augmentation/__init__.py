"""Training-data augmentation for the ``augmentation`` config group."""

from __future__ import annotations

from experiments.augmentation.minority import MinorityAugmentation
from experiments.augmentation.none import NoAugmentation

__all__ = ["MinorityAugmentation", "NoAugmentation"]
