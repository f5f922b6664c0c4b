"""Feeding an :class:`EpochSampler` to sentence-transformers' trainer as its batch sampler."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

from experiments.data.splits import LABEL, column, values
from experiments.distributed import world_size
from experiments.errors import ConfigurationError
from experiments.sampling.base import EpochSampler


def pair_lengths(
    texts_a: Sequence[str], texts_b: Sequence[str], tokenizer: Any = None, max_length: int | None = None
) -> np.ndarray:
    """Length of every pair for grouping batches: its token count (truncated to ``max_length``) with a
    ``tokenizer``, else its character count.

    Token counts group far more tightly (on WikiQA at 128 tokens, 3% of a batch is padding against 23%
    with characters); tokenising the training split once costs seconds.
    """
    texts_a, texts_b = values(texts_a), values(texts_b)
    if tokenizer is None:
        return np.fromiter((len(a) + len(b) for a, b in zip(texts_a, texts_b, strict=True)), dtype=np.int64)
    encoded = tokenizer(list(texts_a), list(texts_b), truncation="longest_first", max_length=max_length)
    return np.array([len(ids) for ids in encoded["input_ids"]], dtype=np.int64)


def length_grouped_batches(
    order: np.ndarray, lengths: np.ndarray, batch_size: int, chunk_batches: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Batches of rows of similar length, in random order.

    ``order`` (already shuffled) is cut into chunks of ``chunk_batches * batch_size`` rows; each chunk is
    sorted by length and cut into batches, and the batches of all chunks are shuffled. Large random
    chunks keep batches as random as they can be while padding only to similar lengths (the scheme of
    transformers' ``LengthGroupedSampler``, written here over the sampler's epoch indices).
    """
    chunk = batch_size * chunk_batches
    batches: list[np.ndarray] = []
    for start in range(0, len(order), chunk):
        rows = order[start : start + chunk]
        rows = rows[np.argsort(-lengths[rows], kind="stable")]
        batches.extend(rows[i : i + batch_size] for i in range(0, len(rows), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def check_even_steps(rows: int, batch_size: int, processes: int) -> int:
    """Steps per rank of an epoch of ``rows`` laid out by :func:`even_steps`; every rank must get a batch in each."""
    steps = math.ceil(rows / (batch_size * processes))
    tail_rows = rows - (steps - 1) * processes * batch_size
    if rows < processes or (tail_rows < processes and batch_size == 1):
        raise ConfigurationError(
            f"sampling: an epoch of {rows} rows in batches of {batch_size} cannot give each of {processes} "
            "processes a batch in every step; train on more rows, a larger trainer.batch_size or fewer processes"
        )
    return steps


def even_steps(batches: Sequence[np.ndarray], batch_size: int, processes: int) -> list[np.ndarray]:
    """The epoch's batches laid out for ``processes`` ranks: every row once, the same number of steps on each rank.

    Under ``torchrun``, accelerate's ``BatchSamplerShard`` hands rank ``r`` batches ``r, r + processes, ...``
    of the batch sampler. It yields a step (``processes`` consecutive batches) in the loop only when the
    step's last batch is full, and the rest at the end (sentence-transformers trains with
    ``even_batches=False``); so every step but the final one is made of full batches. Full batches come
    first, in their order; the rows left over (fewer than ``processes`` full batches plus the short
    batch) are split as evenly as possible into the final step's batches. When fewer rows than ranks
    are left over, the first batches of the step before give up one row each. Written by hand: accelerate
    either drops these rows (``drop_last``) or repeats others to fill the last step (``even_batches``).

    Raises:
        ConfigurationError: fewer rows than ranks, or one-row batches that cannot give every rank a row.
    """
    full = [batch for batch in batches if len(batch) == batch_size]
    short = [batch for batch in batches if len(batch) != batch_size]
    rows = np.concatenate([*full, *short]) if batches else np.empty(0, dtype=np.int64)
    steps = check_even_steps(len(rows), batch_size, processes)
    head = [rows[i * batch_size : (i + 1) * batch_size] for i in range((steps - 1) * processes)]
    tail = rows[len(head) * batch_size :]
    moved = [head[-processes + i][-1:] for i in range(max(0, processes - len(tail)))]
    for i in range(len(moved)):
        head[-processes + i] = head[-processes + i][:-1]
    return head + np.array_split(np.concatenate([*moved, tail]), processes)


class EpochBatchSampler(DefaultBatchSampler):
    """Batches of the rows an :class:`EpochSampler` picks for the current epoch, shuffled per epoch.

    With ``lengths`` and ``group_by_length``, rows of similar length share a batch (see
    :func:`length_grouped_batches`), so less compute goes to padding. The trainer calls
    :meth:`set_epoch` before each epoch; the same seed gives the same batches.
    It batches only the training split the sampler was fitted on: any other dataset (an eval
    dataset, whose rows must all be scored) is refused with a :class:`ConfigurationError`.

    Under ``torchrun`` (``num_processes`` > 1), the batches are laid out by :func:`even_steps`: the
    ranks share every row of the epoch, each row on one rank, in the same number of steps. ``drop_last``
    is then ignored: sentence-transformers sets it under DDP to avoid uneven steps, which
    :func:`even_steps` already rules out, and dropping would lose up to ``num_processes × batch_size - 1``
    of the rows the sampler chose, every epoch.

    Args:
        lengths: one length per training row (indexed like the sampler's labels), e.g. :func:`pair_lengths`.
        group_by_length: group rows of similar length into batches.
        chunk_batches: batches per randomly drawn chunk that is sorted by length.
        num_processes: training processes sharing the batches; the launcher's ``WORLD_SIZE`` by default.
    """

    def __init__(
        self,
        dataset: object,
        batch_size: int,
        drop_last: bool,
        epoch_sampler: EpochSampler,
        lengths: Sequence[int] | np.ndarray | None = None,
        group_by_length: bool = False,
        chunk_batches: int = 64,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
        num_processes: int | None = None,
    ) -> None:
        self.num_processes = world_size() if num_processes is None else num_processes
        if self.num_processes > 1:
            drop_last = False
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        self.epoch_sampler = epoch_sampler
        self.lengths = None if lengths is None else np.asarray(lengths, dtype=np.int64)
        self.group_by_length = group_by_length
        self.chunk_batches = chunk_batches
        if group_by_length and self.lengths is None:
            raise ValueError("group_by_length=True needs the lengths of the training rows")
        self._check_is_training_split(dataset)
        if self.num_processes > 1:
            check_even_steps(len(epoch_sampler.epoch_indices(0)), batch_size, self.num_processes)

    def _check_is_training_split(self, dataset: object) -> None:
        fitted = getattr(self.epoch_sampler, "labels_", None)
        if fitted is None:
            raise RuntimeError(f"{type(self.epoch_sampler).__name__}.fit must be called before batching")
        rows = len(dataset)  # type: ignore[arg-type]
        column_names = getattr(dataset, "column_names", None) or []
        same = rows == len(fitted) and (LABEL not in column_names or np.array_equal(column(dataset, LABEL), fitted))  # type: ignore[index]
        if not same:
            raise ConfigurationError(
                f"sampling: the batch sampler got a dataset of {rows} rows that is not the training split it was "
                f"fitted on ({len(fitted)} rows); only the training split is resampled, so give the trainer no "
                "eval_dataset (dev and test are scored in full by the evaluator)"
            )

    def __iter__(self) -> Iterator[list[int]]:
        indices = self.epoch_sampler.serve(self.epoch)
        order = self.epoch_sampler.rng(1, self.epoch).permutation(indices)
        if self.drop_last:
            order = order[: len(order) - len(order) % self.batch_size]
        if self.group_by_length and self.lengths is not None:
            rng = self.epoch_sampler.rng(2, self.epoch)
            batches = length_grouped_batches(order, self.lengths, self.batch_size, self.chunk_batches, rng)
        else:
            batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        if self.num_processes > 1:
            batches = even_steps(batches, self.batch_size, self.num_processes)
        for batch in batches:
            yield batch.tolist()

    def __len__(self) -> int:
        rows = len(self.epoch_sampler.epoch_indices(0))
        if self.num_processes > 1:
            return check_even_steps(rows, self.batch_size, self.num_processes) * self.num_processes
        return rows // self.batch_size if self.drop_last else math.ceil(rows / self.batch_size)


def batch_sampler_factory(
    epoch_sampler: EpochSampler,
    lengths: Sequence[int] | np.ndarray | None = None,
    group_by_length: bool = False,
    chunk_batches: int = 64,
) -> Callable[..., EpochBatchSampler]:
    """The trainer's ``batch_sampler`` argument, resampling the training split every epoch.

    The runner gives the trainer no ``eval_dataset`` (dev and test go through the evaluator,
    which scores every row, sorted by length by ``CrossEncoder.predict``), so this factory only
    ever builds the training dataloader.

    Args:
        epoch_sampler: picks each epoch's rows.
        lengths: one length per training row; needed for ``group_by_length``.
        group_by_length: batch rows of similar length together (less padding, faster steps).
        chunk_batches: batches per random chunk sorted by length; larger groups more tightly but
            makes batches less random.
    """
    if not isinstance(chunk_batches, int) or chunk_batches < 1:
        raise ConfigurationError(f"trainer.length_chunk_batches must be a positive integer, got {chunk_batches!r}")
    if group_by_length and lengths is None:
        raise ConfigurationError("trainer.group_by_length=true needs the lengths of the training rows")
    return functools.partial(
        EpochBatchSampler,
        epoch_sampler=epoch_sampler,
        lengths=lengths,
        group_by_length=group_by_length,
        chunk_batches=chunk_batches,
    )
