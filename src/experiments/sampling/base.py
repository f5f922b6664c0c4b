"""The sampling contract: which training rows each epoch trains on (template method, as in imbalanced-learn)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from experiments.data.splits import class_counts, values
from experiments.errors import ConfigurationError


class EpochSampler(ABC):
    """Chooses the training row indices of every epoch, reproducibly under ``random_state``.

    :meth:`fit` does the checks shared by every strategy; subclasses implement
    :meth:`_epoch_indices` (the one thing that differs) and may add per-epoch metrics
    in :meth:`epoch_metrics`. Epochs count from 0. Every epoch must have the same size,
    so steps per epoch stay fixed.

    The loss is built from :meth:`epoch_class_counts` of epoch 0, the rows the model trains on
    after resampling, so a class-weighted loss on top of a resampler does not count the
    rebalancing twice. :meth:`serve` records which epoch's rows training actually received,
    so :meth:`epoch_metrics` reports what was trained on, epoch by epoch.

    Random streams: ``rng(0, ...)`` is left to the strategies, ``rng(1, epoch)`` shuffles batches
    (:class:`~experiments.sampling.batching.EpochBatchSampler`).

    Args:
        random_state: seed of every draw; the runner passes the run's ``seed``.
    """

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = int(random_state)

    def fit(self, labels: Sequence[int] | np.ndarray, num_classes: int) -> EpochSampler:
        labels = np.asarray(values(labels), dtype=np.int64)
        if labels.ndim != 1 or len(labels) == 0:
            raise ConfigurationError("sampling: the training split has no labelled rows")
        counts = class_counts(labels, num_classes)
        missing = [class_id for class_id, count in enumerate(counts) if count == 0]
        if missing:
            raise ConfigurationError(f"sampling: class id(s) {missing} have no training rows")
        self.labels_ = labels
        self.num_classes_ = num_classes
        self.class_counts_ = counts
        self.served_epochs_: list[int] = []
        self._fit()
        return self

    def _fit(self) -> None:
        """Strategy-specific checks and precomputation, after the shared ones."""

    def epoch_indices(self, epoch: int) -> np.ndarray:
        """The row indices (with repeats where oversampled) trained on in ``epoch``, in no set order."""
        if not hasattr(self, "labels_"):
            raise RuntimeError(f"{type(self).__name__}.fit must be called before epoch_indices")
        return np.asarray(self._epoch_indices(int(epoch)), dtype=np.int64)

    @abstractmethod
    def _epoch_indices(self, epoch: int) -> np.ndarray: ...

    def serve(self, epoch: int) -> np.ndarray:
        """:meth:`epoch_indices` handed to training, recorded as the rows of the next training epoch."""
        indices = self.epoch_indices(epoch)
        self.served_epochs_.append(int(epoch))
        return indices

    def trained_epochs(self, epoch: int) -> list[int]:
        """The sampler epochs behind training epochs ``0..epoch``: the served ones, else the epochs themselves."""
        served = getattr(self, "served_epochs_", [])
        return [served[i] if i < len(served) else i for i in range(int(epoch) + 1)]

    def epoch_class_counts(self, epoch: int) -> list[int]:
        """Rows per class trained on in ``epoch``."""
        return class_counts(self.labels_[self.epoch_indices(epoch)], self.num_classes_)

    def epoch_metrics(self, epoch: int) -> dict[str, float]:
        """Numbers worth logging for training epoch ``epoch``: the class counts trained on, and more in subclasses."""
        counts = self.epoch_class_counts(self.trained_epochs(epoch)[-1])
        return {f"train_count_class_{k}": float(n) for k, n in enumerate(counts)}

    def rng(self, *stream: int) -> np.random.Generator:
        """A generator for one named stream of draws (e.g. one epoch), derived from ``random_state``."""
        return np.random.default_rng([self.random_state, *stream])
