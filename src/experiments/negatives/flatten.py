"""Every anchor exploded into labelled pairs, for the pointwise losses and samplers."""

from __future__ import annotations

from datasets import Dataset

from experiments.data.splits import PAIR_COLUMNS
from experiments.negatives.base import GroupedMode


class FlattenNegatives(GroupedMode):
    """(anchor, positive, 1) and (anchor, negative, 0) for every candidate; anchors without a positive kept.

    Every ``loss`` and ``sampling`` option of labelled pairs applies unchanged.
    """

    name = "flatten"

    def train_dataset(self, train: Dataset) -> Dataset:
        return train.select_columns(list(PAIR_COLUMNS))
