"""Negative-handling modes for the ``negatives`` config group."""

from __future__ import annotations

from experiments.negatives.base import GroupedMode, NegativesMode
from experiments.negatives.batching import UniqueAnchorBatchSampler
from experiments.negatives.fixed_k import FixedKNegatives
from experiments.negatives.flatten import FlattenNegatives
from experiments.negatives.listwise import ListwiseNegatives
from experiments.negatives.none import NoNegatives
from experiments.negatives.sample_k import NegativeRotationSampler, SampleKNegatives

__all__ = [
    "FixedKNegatives",
    "FlattenNegatives",
    "GroupedMode",
    "ListwiseNegatives",
    "NegativeRotationSampler",
    "NegativesMode",
    "NoNegatives",
    "SampleKNegatives",
    "UniqueAnchorBatchSampler",
]
