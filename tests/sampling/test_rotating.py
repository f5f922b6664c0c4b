"""RotatingUnderSampling: a new majority subset every epoch, full coverage per cycle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.errors import ConfigurationError
from experiments.sampling import RandomUnderSampling, RotatingUnderSampling

BINARY = np.array([0] * 10 + [1] * 3)  # ratio 0.5 keeps 6 of 10 majority rows: a cycle of 2 epochs
DIVISIBLE = np.array([0] * 12 + [1] * 3)  # ratio 1.0 keeps 3 of 12: a cycle of 4 epochs, no top-up
THREE = np.array([0] * 12 + [1] * 2 + [2] * 5)  # ratio 0.5 keeps 4 of 12 and 4 of 5: cycles of 3 and 2 epochs


def class_rows(sampler: RotatingUnderSampling, labels: np.ndarray, class_id: int, epoch: int) -> list[int]:
    indices = sampler.epoch_indices(epoch)
    return sorted(indices[labels[indices] == class_id].tolist())


def test_exact_counts_every_epoch_binary():
    sampler = RotatingUnderSampling(ratio=0.5).fit(BINARY, 2)
    for epoch in range(6):
        assert sampler.epoch_class_counts(epoch) == [6, 3]
        assert class_rows(sampler, BINARY, 1, epoch) == [10, 11, 12]
        assert len(set(sampler.epoch_indices(epoch).tolist())) == 9  # no row twice in one epoch


def test_majority_subsets_differ_per_epoch():
    sampler = RotatingUnderSampling(ratio=1.0, random_state=1).fit(DIVISIBLE, 2)
    subsets = [tuple(class_rows(sampler, DIVISIBLE, 0, epoch)) for epoch in range(4)]
    assert len(set(subsets)) == 4


def test_every_majority_row_once_per_cycle_when_the_size_divides():
    sampler = RotatingUnderSampling(ratio=1.0, random_state=5).fit(DIVISIBLE, 2)
    assert sampler.cycle_epochs_ == [4, 1]
    for cycle in range(3):
        seen = [row for epoch in range(4 * cycle, 4 * cycle + 4) for row in class_rows(sampler, DIVISIBLE, 0, epoch)]
        assert sorted(seen) == list(range(12))  # each row exactly once per cycle
    first = [class_rows(sampler, DIVISIBLE, 0, epoch) for epoch in range(4)]
    second = [class_rows(sampler, DIVISIBLE, 0, epoch) for epoch in range(4, 8)]
    assert first != second  # a fresh permutation after the cycle


def test_the_last_epoch_of_a_cycle_is_topped_up_with_seen_rows():
    sampler = RotatingUnderSampling(ratio=0.5, random_state=2).fit(BINARY, 2)
    assert sampler.cycle_epochs_ == [math.ceil(10 / 6), 1] == [2, 1]
    epoch0, epoch1 = class_rows(sampler, BINARY, 0, 0), class_rows(sampler, BINARY, 0, 1)
    assert sorted(set(epoch0) | set(epoch1)) == list(range(10))
    assert len(set(epoch0) & set(epoch1)) == 2  # 6 + 6 - 10 rows seen twice, only in the cycle's last epoch


def test_coverage_reaches_one_after_the_stated_number_of_epochs():
    sampler = RotatingUnderSampling(ratio=1.0).fit(DIVISIBLE, 2)
    coverage = [sampler.epoch_metrics(epoch)["train_majority_coverage"] for epoch in range(6)]
    assert coverage == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert sampler.epoch_metrics(0) == {
        "train_count_class_0": 3.0,
        "train_count_class_1": 3.0,
        "train_majority_coverage": 0.25,
    }


def test_three_classes_cycle_independently():
    sampler = RotatingUnderSampling(ratio=0.5, random_state=0).fit(THREE, 3)
    assert sampler.target_counts_ == [4, 2, 4]
    assert sampler.cycle_epochs_ == [3, 1, 2]
    assert sampler.majority_classes_ == [0, 2]
    for epoch in range(6):
        assert sampler.epoch_class_counts(epoch) == [4, 2, 4]
    assert sorted(r for e in range(3) for r in class_rows(sampler, THREE, 0, e)) == list(range(12))
    assert set(class_rows(sampler, THREE, 2, 0)) | set(class_rows(sampler, THREE, 2, 1)) == set(range(14, 19))
    # class 0: 4, 8, 12 of 12 rows; class 2: 4, 5, 5 of 5 rows
    assert [sampler.majority_coverage(e) for e in range(3)] == [8 / 17, 13 / 17, 1.0]


def test_same_seed_same_subsets_different_seed_different_subsets():
    def epochs(seed: int) -> list[list[int]]:
        sampler = RotatingUnderSampling(ratio=1.0, random_state=seed).fit(DIVISIBLE, 2)
        return [sampler.epoch_indices(epoch).tolist() for epoch in range(5)]

    assert epochs(11) == epochs(11)
    assert epochs(11) != epochs(12)


def test_coverage_follows_the_epochs_training_received():
    sampler = RotatingUnderSampling(ratio=1.0).fit(DIVISIBLE, 2)
    for _ in range(3):
        sampler.serve(0)  # a trainer that never moved to the next epoch
    assert [sampler.epoch_metrics(epoch)["train_majority_coverage"] for epoch in range(3)] == [0.25, 0.25, 0.25]


def test_nothing_to_cut_means_full_coverage():
    sampler = RotatingUnderSampling(ratio=0.5).fit([0, 0, 1, 1], 2)
    assert sampler.epoch_metrics(0)["train_majority_coverage"] == 1.0
    assert sampler.epoch_class_counts(0) == [2, 2]


def test_bad_ratios_are_refused():
    with pytest.raises(ConfigurationError, match=r"got 1.01: a ratio above 1 needs more minority rows than exist$"):
        RotatingUnderSampling(ratio=1.01)
    with pytest.raises(ConfigurationError, match=r"got -1: a ratio <= 0 keeps no minority rows$"):
        RotatingUnderSampling(ratio=-1)


def _wikiqa_labels_with_one_answer() -> np.ndarray:
    """The labels of the first 80 WikiQA training pairs, one answer kept (as a file with one positive row)."""
    from experiments.data.wikiqa import embedded_wikiqa_dir

    lines = (embedded_wikiqa_dir() / "WikiQA-train.tsv").read_text(encoding="utf-8").splitlines()[1:81]
    labels = np.array([int(line.split("\t")[-1]) for line in lines])
    return np.delete(labels, np.flatnonzero(labels == 1)[1:])


@pytest.mark.parametrize("sampler_class", [RotatingUnderSampling, RandomUnderSampling])
def test_a_class_with_one_row_is_a_warning_naming_the_rows_an_epoch_keeps(sampler_class, caplog):
    labels = _wikiqa_labels_with_one_answer()
    assert np.bincount(labels).tolist() == [78, 1]
    with caplog.at_level("WARNING", logger="experiments.sampling.ratio"):
        sampler = sampler_class().fit(labels, 2)
    assert sampler.epoch_class_counts(0) == [1, 1]
    option = "rotating" if sampler_class is RotatingUnderSampling else "under"
    assert caplog.messages == [
        f"sampling={option}: class id 1 has 1 training row, so every epoch trains on 2 of the 79 training rows "
        "(rows per class [78, 1] -> [1, 1]); an epoch that small learns next to nothing: use sampling=over or "
        "sampling=none, a smaller sampling.ratio, or more rows of that class"
    ]


def test_ten_rows_of_the_smallest_class_or_no_cut_is_no_warning(caplog):
    with caplog.at_level("WARNING", logger="experiments.sampling.ratio"):
        RotatingUnderSampling().fit(np.array([0] * 100 + [1] * 10), 2)
        RotatingUnderSampling().fit(np.array([0] * 3 + [1] * 3), 2)
    assert caplog.messages == []
