"""Minority-class augmentation: perturbed copies instead of exact repeats."""

from __future__ import annotations

import logging

import numpy as np
from datasets import Dataset, concatenate_datasets

from experiments.augmentation.operations import perturb
from experiments.data.splits import LABEL, TEXT_B, PairSplits, class_counts, class_keys, column
from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)


class MinorityAugmentation:
    """Adds perturbed copies of minority-class training pairs until each class reaches ``ratio`` × the largest.

    The second text of a copied pair gets a random word swap and random word deletion (EDA without
    synonyms); the first text (the query) is kept. Only the training split changes; the number
    of added rows per class is reported in :attr:`added_`.

    Args:
        ratio: target size of every class relative to the largest, in (0, 1].
        swap_share: share of the words swapped per copy.
        delete_probability: chance of deleting each word per copy, in [0, 1).
        random_state: seed of the copies and perturbations.
    """

    def __init__(
        self, ratio: float = 0.5, swap_share: float = 0.1, delete_probability: float = 0.1, random_state: int = 0
    ) -> None:
        if not 0 < ratio <= 1:
            raise ConfigurationError(f"augmentation.ratio must be in (0, 1], got {ratio!r}")
        if not 0 <= delete_probability < 1:
            raise ConfigurationError(f"augmentation.delete_probability must be in [0, 1), got {delete_probability!r}")
        if not 0 <= swap_share <= 1:
            raise ConfigurationError(f"augmentation.swap_share must be in [0, 1], got {swap_share!r}")
        self.ratio = ratio
        self.swap_share = swap_share
        self.delete_probability = delete_probability
        self.random_state = random_state
        self.added_: dict[str, int] = {}
        self.keys_: dict[str, str] = {}

    def apply(self, data: PairSplits) -> PairSplits:
        rng = np.random.default_rng(self.random_state)
        self.keys_ = dict(zip(data.label_names, class_keys(data.label_names), strict=True))
        labels = np.asarray(column(data.train, LABEL))
        counts = class_counts(labels, data.num_classes)
        target = int(np.ceil(self.ratio * max(counts)))
        copies: list[Dataset] = []
        for class_id, count in enumerate(counts):
            missing = target - count
            if missing <= 0 or count == 0:
                continue
            sources = rng.choice(np.flatnonzero(labels == class_id), size=missing, replace=True)
            rows = data.train.select(sources)
            texts = [perturb(text, rng, self.swap_share, self.delete_probability) for text in rows[TEXT_B]]
            copies.append(rows.remove_columns(TEXT_B).add_column(TEXT_B, texts).select_columns(rows.column_names))
            self.added_[data.label_names[class_id]] = missing
        logger.info("Augmentation added %s training rows", self.added_)
        if not copies:
            return data
        train = concatenate_datasets([data.train, *copies])
        return PairSplits(data.name, train, data.dev, data.test, data.label_names, data.rows_read)

    def summary(self) -> dict[str, float]:
        return {f"augmented_rows_{self.keys_[name]}": float(count) for name, count in self.added_.items()}
