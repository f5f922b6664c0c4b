"""Samplers for the ``sampling`` config group."""

from __future__ import annotations

from experiments.sampling.auto import AutoSampling
from experiments.sampling.base import EpochSampler
from experiments.sampling.batching import (
    EpochBatchSampler,
    batch_sampler_factory,
    even_steps,
    length_grouped_batches,
    pair_lengths,
)
from experiments.sampling.none import NoSampling
from experiments.sampling.over import RandomOverSampling
from experiments.sampling.rotating import RotatingUnderSampling
from experiments.sampling.under import RandomUnderSampling

__all__ = [
    "AutoSampling",
    "EpochBatchSampler",
    "EpochSampler",
    "NoSampling",
    "RandomOverSampling",
    "RandomUnderSampling",
    "RotatingUnderSampling",
    "batch_sampler_factory",
    "even_steps",
    "length_grouped_batches",
    "pair_lengths",
]
