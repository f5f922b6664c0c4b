"""Feeding an :class:`EpochSampler` to sentence-transformers' trainer as its batch sampler."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator

import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

from experiments.sampling.base import EpochSampler


class EpochBatchSampler(DefaultBatchSampler):
    """Batches of the rows an :class:`EpochSampler` picks for the current epoch, shuffled per epoch.

    The trainer calls :meth:`set_epoch` before each epoch; the same seed gives the same batches.
    """

    def __init__(
        self,
        dataset: object,
        batch_size: int,
        drop_last: bool,
        epoch_sampler: EpochSampler,
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
        self.epoch_sampler = epoch_sampler

    def __iter__(self) -> Iterator[list[int]]:
        indices = self.epoch_sampler.epoch_indices(self.epoch)
        order = self.epoch_sampler.rng(1, self.epoch).permutation(indices)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size].tolist()

    def __len__(self) -> int:
        rows = len(self.epoch_sampler.epoch_indices(0))
        return rows // self.batch_size if self.drop_last else math.ceil(rows / self.batch_size)


def batch_sampler_factory(epoch_sampler: EpochSampler) -> Callable[..., EpochBatchSampler]:
    """The trainer's ``batch_sampler`` argument, resampling the training split every epoch.

    The runner gives the trainer no ``eval_dataset`` (dev and test go through the evaluator,
    which scores every row), so this factory only ever builds the training dataloader.
    """

    return functools.partial(EpochBatchSampler, epoch_sampler=epoch_sampler)
