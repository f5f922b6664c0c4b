"""Every option of the ``sampling`` group honours the EpochSampler contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from experiments.config.location import config_dir
from experiments.sampling import EpochSampler

OPTIONS = sorted(Path(config_dir(), "sampling").glob("*.yaml"))
LABELS = {
    "binary": (np.array([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), 2),
    "three": (np.array([2, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]), 3),
}


def build(option: Path, seed: int, labels: np.ndarray, num_classes: int) -> EpochSampler:
    sampler = instantiate(OmegaConf.load(option), random_state=seed)
    assert isinstance(sampler, EpochSampler)
    return sampler.fit(labels, num_classes)


def test_the_group_has_its_options():
    assert {option.stem for option in OPTIONS} >= {"none", "over", "under", "rotating"}


@pytest.mark.parametrize("data", sorted(LABELS))
@pytest.mark.parametrize("option", OPTIONS, ids=lambda path: path.stem)
def test_epoch_sampler_contract(option: Path, data: str):
    labels, num_classes = LABELS[data]
    sampler = build(option, 42, labels, num_classes)
    epochs = [sampler.epoch_indices(epoch) for epoch in range(8)]
    assert len({len(indices) for indices in epochs}) == 1, "every epoch must have the same size"
    for epoch, indices in enumerate(epochs):
        assert indices.dtype == np.int64
        assert indices.min() >= 0 and indices.max() < len(labels)
        counts = sampler.epoch_class_counts(epoch)
        assert all(count > 0 for count in counts), "no class may vanish from an epoch"
        assert sum(counts) == len(indices)
        metrics = sampler.epoch_metrics(epoch)
        assert [metrics[f"train_count_class_{k}"] for k in range(num_classes)] == counts
    again = build(option, 42, labels, num_classes)
    for epoch, indices in enumerate(epochs):
        np.testing.assert_array_equal(again.epoch_indices(epoch), indices)


@pytest.mark.parametrize("option", OPTIONS, ids=lambda path: path.stem)
def test_epoch_indices_need_fit(option: Path):
    sampler = instantiate(OmegaConf.load(option), random_state=0)
    with pytest.raises(RuntimeError, match=r"\.fit must be called before epoch_indices$"):
        sampler.epoch_indices(0)
