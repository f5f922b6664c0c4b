"""Batches in which no anchor appears twice, for losses that use the rest of the batch as negatives."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from datasets import Dataset
from sentence_transformers.base.sampler import DefaultBatchSampler


class UniqueAnchorBatchSampler(DefaultBatchSampler):
    """Shuffled batches (per epoch, from ``seed``) where every row has a different first-column text.

    With several positives per anchor, ``MultipleNegativesRankingLoss`` would otherwise take one
    positive of an anchor as an in-batch negative of the same anchor. Unlike the library's
    ``NoDuplicatesBatchSampler`` only the anchor is compared: padding values and candidates shared
    by different anchors do not split batches. A row that would repeat an anchor waits for the next batch.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        self.anchors = dataset[dataset.column_names[0]]

    def __iter__(self) -> Iterator[list[int]]:
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.anchors)).tolist()
        while order:
            batch: list[int] = []
            seen: set[str] = set()
            waiting: list[int] = []
            for index in order:
                if len(batch) < self.batch_size and self.anchors[index] not in seen:
                    batch.append(index)
                    seen.add(self.anchors[index])
                else:
                    waiting.append(index)
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch
            order = waiting

    def __len__(self) -> int:
        rows = len(self.anchors)
        return rows // self.batch_size if self.drop_last else math.ceil(rows / self.batch_size)
