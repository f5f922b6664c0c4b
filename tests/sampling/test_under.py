"""RandomUnderSampling on small in-memory label arrays."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.errors import ConfigurationError
from experiments.sampling import RandomUnderSampling

BINARY = np.array([0] * 10 + [1] * 3)
THREE = np.array([0] * 12 + [1] * 2 + [2] * 5)


def test_binary_keeps_all_minority_rows_and_a_fixed_majority_subset():
    sampler = RandomUnderSampling(ratio=0.5, random_state=0).fit(BINARY, 2)
    assert sampler.epoch_class_counts(0) == [6, 3]
    indices = sampler.epoch_indices(0)
    assert len(set(indices.tolist())) == 9
    assert set(indices[BINARY[indices] == 1].tolist()) == {10, 11, 12}
    for epoch in range(1, 4):
        np.testing.assert_array_equal(sampler.epoch_indices(epoch), indices)


def test_three_classes_shrink_towards_the_smallest():
    assert RandomUnderSampling(ratio=1.0).fit(THREE, 3).epoch_class_counts(0) == [2, 2, 2]
    assert RandomUnderSampling(ratio=0.5).fit(THREE, 3).epoch_class_counts(2) == [4, 2, 4]
    assert RandomUnderSampling(ratio=0.2).fit(THREE, 3).epoch_class_counts(0) == [10, 2, 5]


def test_same_seed_same_subset_different_seed_different_subset():
    subset = RandomUnderSampling(ratio=1.0, random_state=3).fit(BINARY, 2).epoch_indices(0)
    again = RandomUnderSampling(ratio=1.0, random_state=3).fit(BINARY, 2).epoch_indices(0)
    np.testing.assert_array_equal(again, subset)
    other = RandomUnderSampling(ratio=1.0, random_state=4).fit(BINARY, 2).epoch_indices(0)
    assert set(other.tolist()) != set(subset.tolist())


def test_a_ratio_above_one_is_refused():
    with pytest.raises(
        ConfigurationError,
        match=(
            r"^sampling.ratio must be in \(0, 1\] \(minority/majority after undersampling, 1.0 = balanced\), "
            r"got 2: a ratio above 1 needs more minority rows than exist$"
        ),
    ):
        RandomUnderSampling(ratio=2)


def test_a_ratio_of_zero_is_refused():
    with pytest.raises(ConfigurationError, match=r"got 0.0: a ratio <= 0 keeps no minority rows$"):
        RandomUnderSampling(ratio=0.0)


def test_a_class_missing_from_the_data_is_refused():
    with pytest.raises(ConfigurationError, match=r"^sampling: class id\(s\) \[0\] have no training rows$"):
        RandomUnderSampling().fit([1, 1, 1], 2)
