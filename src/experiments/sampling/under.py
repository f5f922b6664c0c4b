"""Random undersampling: keep a random subset of the majority-class rows, drawn once."""

from __future__ import annotations

import numpy as np

from experiments.sampling.base import EpochSampler
from experiments.sampling.ratio import check_ratio, undersampled_sizes, warn_if_few_kept

TOO_LARGE = "a ratio above 1 needs more minority rows than exist"


class RandomUnderSampling(EpochSampler):
    """Shrinks every class to at most the smallest class divided by ``ratio``; the same subset every epoch.

    Class ``k`` with ``n_k`` rows trains on ``min(n_k, floor(n_smallest / ratio))`` rows, drawn
    without replacement once in :meth:`fit` (indices in ``sample_indices_``); the other majority
    rows are never seen. :class:`~experiments.sampling.rotating.RotatingUnderSampling` keeps the
    same sizes but draws a different subset each epoch.

    The loss gets the counts after undersampling (:meth:`epoch_class_counts` of epoch 0), so a
    class-weighted loss weighs the classes as they are trained on, not as they were in the data.

    Args:
        ratio: minority/majority after undersampling, in (0, 1]; 1.0 = balanced.
        random_state: seed of the draw; the runner passes the run's ``seed``.
    """

    def __init__(self, ratio: float = 1.0, random_state: int = 0) -> None:
        super().__init__(random_state)
        self.ratio = check_ratio(ratio, "undersampling", TOO_LARGE)

    def _fit(self) -> None:
        self.target_counts_ = undersampled_sizes(self.class_counts_, self.ratio)
        warn_if_few_kept("under", self.class_counts_, self.target_counts_)
        parts = []
        for class_id, target in enumerate(self.target_counts_):
            rows = np.flatnonzero(self.labels_ == class_id)
            parts.append(np.sort(self.rng(0, class_id).choice(rows, size=target, replace=False)))
        self.sample_indices_ = np.concatenate(parts)

    def _epoch_indices(self, epoch: int) -> np.ndarray:
        return self.sample_indices_
