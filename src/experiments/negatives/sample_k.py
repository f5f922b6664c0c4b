"""Dynamic negatives: k negatives per anchor, drawn anew every epoch, over labelled pairs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from datasets import Dataset

from experiments.data.splits import GROUP, PAIR_COLUMNS, column
from experiments.errors import ConfigurationError
from experiments.negatives.base import GroupedMode
from experiments.sampling import EpochSampler


class NegativeRotationSampler(EpochSampler):
    """Every positive pair each epoch, plus ``k`` negative pairs per anchor that change from epoch to epoch.

    Each anchor's negatives are put in a seeded random order once, and epoch ``e`` takes the
    ``k`` that follow position ``e * k`` in it, wrapping around. So no epoch repeats a negative,
    every negative of an anchor is trained on within ``ceil(n / k)`` epochs, and anchors with
    ``k`` or fewer negatives train on all of them every epoch. Epoch sizes stay equal, as the
    trainer needs. (Fresh independent draws per epoch could miss a negative for many epochs.)

    Args:
        k: negatives per anchor per epoch.
        groups: the anchor (``group``) of every training pair, in row order.
        random_state: seed of the per-anchor orders.
    """

    def __init__(self, k: int, groups: Sequence[str], random_state: int = 0) -> None:
        super().__init__(random_state)
        self.k = k
        self.groups = list(groups)

    def _fit(self) -> None:
        if len(self.groups) != len(self.labels_):
            raise ConfigurationError(f"negatives=sample_k: {len(self.groups)} group ids for {len(self.labels_)} rows")
        negatives: dict[str, list[int]] = defaultdict(list)
        for row, (group, label) in enumerate(zip(self.groups, self.labels_, strict=True)):
            if label == 0:
                negatives[group].append(row)
        rng = self.rng(0)
        self.positive_rows_ = np.flatnonzero(self.labels_ != 0)
        self.negative_orders_ = [rng.permutation(rows) for rows in negatives.values()]

    def _epoch_indices(self, epoch: int) -> np.ndarray:
        chosen = [self.positive_rows_]
        for order in self.negative_orders_:
            if len(order) <= self.k:
                chosen.append(order)
            else:
                chosen.append(order[(epoch * self.k + np.arange(self.k)) % len(order)])
        return np.sort(np.concatenate(chosen))


class SampleKNegatives(GroupedMode):
    """Labelled pairs where each epoch trains on all positives and ``k`` rotating negatives per anchor.

    The training set is every flattened pair; a :class:`NegativeRotationSampler` in place of the
    ``sampling`` option picks each epoch's rows through the runner's epoch-aware batch sampler
    (:class:`~experiments.sampling.EpochBatchSampler`), so no dataset is rebuilt during training.
    Anchors without a positive keep ``k`` negatives per epoch; every pointwise loss applies.

    Args:
        k: negatives per anchor per epoch.
    """

    name = "sample_k"

    def __init__(self, k: int = 4) -> None:
        super().__init__()
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ConfigurationError(f"negatives.k must be a positive integer, got {k!r}")
        self.k = k

    def epoch_sampler(self, sampler: EpochSampler, train: Dataset) -> EpochSampler:
        self.require_no_sampling(sampler)
        return NegativeRotationSampler(self.k, column(train, GROUP), random_state=sampler.random_state)

    def train_dataset(self, train: Dataset) -> Dataset:
        return train.select_columns(list(PAIR_COLUMNS))
