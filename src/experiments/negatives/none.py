"""The data is already labelled pairs."""

from __future__ import annotations

from datasets import Dataset

from experiments.data.grouped import GroupedSplits
from experiments.data.splits import PAIR_COLUMNS, PairSplits
from experiments.errors import ConfigurationError
from experiments.negatives.base import NegativesMode


class NoNegatives(NegativesMode):
    """Labelled pairs go to the trainer as they are: (sentence_a, sentence_b, label)."""

    name = "none"

    def prepare(self, data: PairSplits | GroupedSplits) -> PairSplits:
        for split, dataset in data.splits().items():
            missing = [column for column in PAIR_COLUMNS if column not in dataset.column_names]
            if missing:
                raise ConfigurationError(
                    f"negatives=none needs labelled pairs, but the {split} split of {data.name!r} "
                    f"lacks column(s) {missing}; grouped data needs negatives=flatten, fixed_k, sample_k or listwise"
                )
        return data

    def train_dataset(self, train: Dataset) -> Dataset:
        return train.select_columns(list(PAIR_COLUMNS))
