"""Each grouped mode on a toy set with 0, 1 and many negatives: the rows produced and the counts."""

from __future__ import annotations

import pytest
from sentence_transformers.base.sampler import BatchSamplers

from experiments.data.grouped import GroupedSplits
from experiments.errors import ConfigurationError
from experiments.negatives import (
    FixedKNegatives,
    FlattenNegatives,
    ListwiseNegatives,
    NegativeRotationSampler,
    NoNegatives,
    SampleKNegatives,
    UniqueAnchorBatchSampler,
)
from experiments.sampling import NoSampling


def test_flatten_gives_every_labelled_pair_with_its_group(grouped: GroupedSplits):
    mode = FlattenNegatives()
    pairs = mode.prepare(grouped)
    rows = list(zip(pairs.train["sentence_a"], pairs.train["sentence_b"], pairs.train["label"], strict=True))
    assert rows == [
        ("q0", "p0", 1),
        ("q1", "p1a", 1),
        ("q1", "p1b", 1),
        ("q1", "n1", 0),
        ("q2", "n2a", 0),
        ("q2", "n2b", 0),
        ("q3", "p3", 1),
        ("q3", "n3a", 0),
        ("q3", "n3b", 0),
        ("q3", "n3c", 0),
        ("q3", "n3d", 0),
        ("q3", "n3e", 0),
        ("q3", "n3f", 0),
    ]
    assert pairs.train["group"][:4] == ["train-0", "train-1", "train-1", "train-1"]
    assert pairs.test["group"][-1] == "test-3"
    assert mode.train_dataset(pairs.train).column_names == ["sentence_a", "sentence_b", "label"]
    assert mode.stats["negatives_train_anchors_without_positive"] == 1
    assert mode.stats["negatives_train_anchors_without_negative"] == 1


def test_fixed_k_repeat_pads_with_the_anchors_own_negatives(grouped: GroupedSplits):
    mode = FixedKNegatives(k=3, pad="repeat")
    rows = mode.train_dataset(mode.prepare(grouped).train)
    assert rows.column_names == ["anchor", "positive", "negative_1", "negative_2", "negative_3"]
    assert rows.to_list() == [
        {"anchor": "q1", "positive": "p1a", "negative_1": "n1", "negative_2": "n1", "negative_3": "n1"},
        {"anchor": "q1", "positive": "p1b", "negative_1": "n1", "negative_2": "n1", "negative_3": "n1"},
        {"anchor": "q3", "positive": "p3", "negative_1": "n3a", "negative_2": "n3b", "negative_3": "n3c"},
    ]
    assert {
        key: mode.stats[f"negatives_train_{key}"]
        for key in ("padded", "truncated", "dropped_short", "dropped_no_positive", "dropped_no_negative", "rows")
    } == {
        "padded": 1,
        "truncated": 1,
        "dropped_short": 0,
        "dropped_no_positive": 1,
        "dropped_no_negative": 1,
        "rows": 3,
    }


def test_fixed_k_empty_pads_with_empty_strings_and_keeps_anchors_without_negatives(grouped: GroupedSplits):
    mode = FixedKNegatives(k=2, pad="empty")
    rows = mode.train_dataset(mode.prepare(grouped).train)
    assert [(r["anchor"], r["negative_1"], r["negative_2"]) for r in rows] == [
        ("q0", "", ""),
        ("q1", "n1", ""),
        ("q1", "n1", ""),
        ("q3", "n3a", "n3b"),
    ]
    assert mode.stats["negatives_train_padded"] == 2 and mode.stats["negatives_train_truncated"] == 1


def test_fixed_k_drop_drops_short_lists(grouped: GroupedSplits):
    mode = FixedKNegatives(k=2, pad="drop")
    rows = mode.train_dataset(mode.prepare(grouped).train)
    assert rows["anchor"] == ["q3"]
    assert mode.stats["negatives_train_dropped_short"] == 1
    assert mode.stats["negatives_train_dropped_no_negative"] == 1
    assert mode.stats["negatives_train_dropped_no_positive"] == 1


def test_fixed_k_with_nothing_left_is_an_error(grouped: GroupedSplits):
    mode = FixedKNegatives(k=10, pad="drop")
    with pytest.raises(ConfigurationError, match=r"negatives=fixed_k \(k=10, pad=drop\) kept no training anchor of 4"):
        mode.train_dataset(mode.prepare(grouped).train)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "negatives.k must be a positive integer, got 0"),
        ({"pad": "zeros"}, r"negatives.pad must be one of \['repeat', 'empty', 'drop'\], got 'zeros'"),
    ],
)
def test_fixed_k_settings_are_checked(kwargs: dict, message: str):
    with pytest.raises(ConfigurationError, match=message):
        FixedKNegatives(**kwargs)


def test_listwise_keeps_variable_lists_positives_first(grouped: GroupedSplits):
    mode = ListwiseNegatives()
    rows = mode.train_dataset(mode.prepare(grouped).train)
    assert rows.column_names == ["query", "docs", "labels"]
    assert rows["query"] == ["q0", "q1", "q3"]
    assert rows["docs"][:2] == [["p0"], ["p1a", "p1b", "n1"]]
    assert rows["labels"] == [[1], [1, 1, 0], [1, 0, 0, 0, 0, 0, 0]]
    assert mode.stats["negatives_train_dropped_no_positive"] == 1
    assert mode.batch_sampler(NoSampling()) == BatchSamplers.BATCH_SAMPLER


def test_listwise_max_docs_cuts_long_lists(grouped: GroupedSplits):
    mode = ListwiseNegatives(max_docs=3)
    rows = mode.train_dataset(mode.prepare(grouped).train)
    assert rows["docs"][2] == ["p3", "n3a", "n3b"]
    assert mode.stats["negatives_train_truncated"] == 1


def fitted_rotation(grouped: GroupedSplits, k: int) -> tuple[NegativeRotationSampler, list]:
    mode = SampleKNegatives(k=k)
    train = mode.prepare(grouped).train
    sampler = mode.epoch_sampler(NoSampling(random_state=7), train)
    sampler.fit(train["label"], 2)
    return sampler, train


def test_sample_k_redraws_k_negatives_per_anchor_every_epoch_and_uses_them_all(grouped: GroupedSplits):
    sampler, train = fitted_rotation(grouped, k=2)
    positives = {row for row, label in enumerate(train["label"]) if label == 1}
    q3_negatives = {
        row
        for row, (group, label) in enumerate(zip(train["group"], train["label"], strict=True))
        if group == "train-3" and label == 0
    }
    seen: list[set[int]] = []
    for epoch in range(3):
        rows = set(sampler.epoch_indices(epoch).tolist())
        assert positives <= rows
        assert len(rows) == len(sampler.epoch_indices(epoch)) == 4 + 1 + 2 + 2  # positives, n1, n2a/b, 2 of q3
        seen.append(rows & q3_negatives)
        assert len(seen[-1]) == 2
    assert seen[0] != seen[1] and seen[0] | seen[1] | seen[2] == q3_negatives
    assert sampler.epoch_class_counts(0) == [5, 4]


def test_sample_k_is_reproducible_and_takes_all_when_fewer_than_k(grouped: GroupedSplits):
    first, _ = fitted_rotation(grouped, k=2)
    again, _ = fitted_rotation(grouped, k=2)
    assert first.epoch_indices(1).tolist() == again.epoch_indices(1).tolist()
    everything, train = fitted_rotation(grouped, k=6)
    assert everything.epoch_indices(0).tolist() == list(range(len(train)))


@pytest.mark.parametrize("mode", [SampleKNegatives(), FixedKNegatives(), ListwiseNegatives()])
def test_modes_that_choose_rows_refuse_another_sampler(grouped: GroupedSplits, mode):
    class OtherSampler(NoSampling):
        pass

    with pytest.raises(
        ConfigurationError,
        match=rf"negatives={mode.name} chooses its own training rows and needs "
        r"sampling=none, got OtherSampler",
    ):
        mode.epoch_sampler(OtherSampler(), mode.prepare(grouped).train)


@pytest.mark.parametrize("mode", [FlattenNegatives(), FixedKNegatives(), SampleKNegatives(), ListwiseNegatives()])
def test_grouped_modes_refuse_labelled_pairs(mode, grouped: GroupedSplits):
    pairs = FlattenNegatives().prepare(grouped)
    with pytest.raises(
        ConfigurationError,
        match=rf"negatives={mode.name} needs grouped data \(columns anchor, "
        r"positive, negative\), but 'toy' is labelled pairs",
    ):
        mode.prepare(pairs)


def test_none_refuses_grouped_data(grouped: GroupedSplits):
    with pytest.raises(
        ConfigurationError,
        match=r"negatives=none needs labelled pairs, but the train split of 'toy' "
        r"lacks column\(s\) \['sentence_a', 'sentence_b', 'label'\]",
    ):
        NoNegatives().prepare(grouped)


def test_unique_anchor_batches_never_repeat_an_anchor(grouped: GroupedSplits):
    mode = FixedKNegatives(k=1, pad="empty")
    rows = mode.train_dataset(mode.prepare(grouped).train)
    sampler = mode.batch_sampler(NoSampling())(rows, batch_size=2, drop_last=False, seed=3)
    assert isinstance(sampler, UniqueAnchorBatchSampler)
    for epoch in range(4):
        sampler.set_epoch(epoch)
        batches = list(sampler)
        assert sorted(i for batch in batches for i in batch) == list(range(len(rows)))
        for batch in batches:
            anchors = [rows["anchor"][i] for i in batch]
            assert len(anchors) == len(set(anchors))
