"""Feeding an :class:`EpochSampler` to sentence-transformers' trainer as its batch sampler."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator

import numpy as np
import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

from experiments.data.splits import LABEL
from experiments.errors import ConfigurationError
from experiments.sampling.base import EpochSampler


class EpochBatchSampler(DefaultBatchSampler):
    """Batches of the rows an :class:`EpochSampler` picks for the current epoch, shuffled per epoch.

    The trainer calls :meth:`set_epoch` before each epoch; the same seed gives the same batches.
    It batches only the training split the sampler was fitted on: any other dataset (an eval
    dataset, whose rows must all be scored) is refused with a :class:`ConfigurationError`.
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
        self._check_is_training_split(dataset)

    def _check_is_training_split(self, dataset: object) -> None:
        fitted = getattr(self.epoch_sampler, "labels_", None)
        if fitted is None:
            raise RuntimeError(f"{type(self.epoch_sampler).__name__}.fit must be called before batching")
        rows = len(dataset)  # type: ignore[arg-type]
        column_names = getattr(dataset, "column_names", None) or []
        same = rows == len(fitted) and (LABEL not in column_names or np.array_equal(dataset[LABEL], fitted))  # type: ignore[index]
        if not same:
            raise ConfigurationError(
                f"sampling: the batch sampler got a dataset of {rows} rows that is not the training split it was "
                f"fitted on ({len(fitted)} rows); only the training split is resampled, so give the trainer no "
                "eval_dataset (dev and test are scored in full by the evaluator)"
            )

    def __iter__(self) -> Iterator[list[int]]:
        indices = self.epoch_sampler.serve(self.epoch)
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
