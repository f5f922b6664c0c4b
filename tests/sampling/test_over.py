"""RandomOverSampling on small in-memory label arrays."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from experiments.errors import ConfigurationError
from experiments.sampling import RandomOverSampling

BINARY = np.array([0] * 10 + [1] * 3)
THREE = np.array([0] * 12 + [1] * 2 + [2] * 5)


def test_binary_balanced_repeats_every_minority_row_evenly():
    sampler = RandomOverSampling(ratio=1.0, random_state=0).fit(BINARY, 2)
    for epoch in range(3):
        assert sampler.epoch_class_counts(epoch) == [10, 10]
    repeats = Counter(sampler.epoch_indices(0).tolist())
    assert all(repeats[row] == 1 for row in range(10))
    assert sorted(repeats[row] for row in (10, 11, 12)) == [3, 3, 4]  # 10 = 3 * 3 + 1


def test_binary_half_ratio():
    sampler = RandomOverSampling(ratio=0.5).fit(BINARY, 2)
    assert sampler.epoch_class_counts(0) == [10, 5]
    assert sampler.epoch_metrics(0) == {"train_count_class_0": 10.0, "train_count_class_1": 5.0}


def test_three_classes_grow_towards_the_largest():
    sampler = RandomOverSampling(ratio=0.5).fit(THREE, 3)
    assert sampler.epoch_class_counts(0) == [12, 6, 6]
    assert RandomOverSampling(ratio=1.0).fit(THREE, 3).epoch_class_counts(1) == [12, 12, 12]


def test_drawn_once_and_reproducible():
    first = RandomOverSampling(ratio=0.8, random_state=7).fit(BINARY, 2)
    again = RandomOverSampling(ratio=0.8, random_state=7).fit(BINARY, 2)
    np.testing.assert_array_equal(first.epoch_indices(0), first.epoch_indices(5))
    np.testing.assert_array_equal(first.epoch_indices(0), again.epoch_indices(0))
    others = {tuple(RandomOverSampling(ratio=0.8, random_state=s).fit(BINARY, 2).epoch_indices(0)) for s in range(8)}
    assert len(others) > 1


def test_a_ratio_above_one_is_refused():
    with pytest.raises(
        ConfigurationError,
        match=(
            r"^sampling.ratio must be in \(0, 1\] \(minority/majority after oversampling, 1.0 = balanced\), "
            r"got 1.5: a ratio above 1 would oversample the minority past the majority$"
        ),
    ):
        RandomOverSampling(ratio=1.5)


def test_a_class_missing_from_the_data_is_refused():
    with pytest.raises(ConfigurationError, match=r"^sampling: class id\(s\) \[1\] have no training rows$"):
        RandomOverSampling().fit([0, 0, 2], 3)
