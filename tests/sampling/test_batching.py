"""EpochBatchSampler: the epoch's rows in shuffled batches, for the training split only."""

from __future__ import annotations

import numpy as np
import pytest
from datasets import Dataset

from experiments.errors import ConfigurationError
from experiments.sampling import EpochBatchSampler, RotatingUnderSampling

LABELS = [0] * 12 + [1] * 3


def dataset(labels: list[int]) -> Dataset:
    return Dataset.from_dict(
        {"sentence_a": [f"q{i}" for i in range(len(labels))], "sentence_b": ["a"] * len(labels), "label": labels}
    )


def test_batches_follow_set_epoch():
    sampler = RotatingUnderSampling(ratio=1.0, random_state=0).fit(LABELS, 2)
    batches = EpochBatchSampler(dataset(LABELS), batch_size=4, drop_last=False, epoch_sampler=sampler)
    assert len(batches) == 2  # 6 rows a epoch
    for epoch in range(3):
        batches.set_epoch(epoch)
        rows = [row for batch in batches for row in batch]
        assert sorted(rows) == sorted(sampler.epoch_indices(epoch).tolist())
    assert sampler.served_epochs_ == [0, 1, 2]
    assert [sampler.epoch_metrics(e)["train_majority_coverage"] for e in range(3)] == [0.25, 0.5, 0.75]


def test_drop_last_keeps_full_batches():
    sampler = RotatingUnderSampling(ratio=1.0).fit(LABELS, 2)
    batches = EpochBatchSampler(dataset(LABELS), batch_size=4, drop_last=True, epoch_sampler=sampler)
    assert len(batches) == 1 and [len(batch) for batch in batches] == [4]


@pytest.mark.parametrize("other", [[0] * 9 + [1] * 3, [1] + [0] * 11 + [1] * 2])
def test_a_dataset_other_than_the_training_split_is_refused(other: list[int]):
    sampler = RotatingUnderSampling(ratio=1.0).fit(LABELS, 2)
    with pytest.raises(ConfigurationError, match=r"only the training split is resampled, so give the trainer no "):
        EpochBatchSampler(dataset(other), batch_size=4, drop_last=False, epoch_sampler=sampler)


def test_the_same_seed_gives_the_same_batches():
    def batches(seed: int) -> list[list[int]]:
        sampler = RotatingUnderSampling(ratio=1.0, random_state=seed).fit(np.array(LABELS), 2)
        batch_sampler = EpochBatchSampler(dataset(LABELS), batch_size=4, drop_last=False, epoch_sampler=sampler)
        batch_sampler.set_epoch(1)
        return list(batch_sampler)

    assert batches(3) == batches(3)
    assert batches(3) != batches(4)
