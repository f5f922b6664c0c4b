"""Random oversampling: repeat minority-class rows, drawn once."""

from __future__ import annotations

import numpy as np

from experiments.sampling.base import EpochSampler
from experiments.sampling.ratio import check_ratio, oversampled_sizes


class RandomOverSampling(EpochSampler):
    """Grows every class to at least ``ratio`` × the largest class, by repeating its rows; the same rows every epoch.

    Class ``k`` with ``n_k`` rows trains on ``max(n_k, ceil(ratio * n_largest))`` rows: all of its
    rows, each repeated ``target // n_k`` times, plus ``target % n_k`` rows drawn without
    replacement, so no row is repeated more than once more than any other (a tighter spread than
    imbalanced-learn's draw with replacement). The largest class, and any class already at the
    target, keeps its rows as they are. Drawn once in :meth:`fit`; the indices are in
    ``sample_indices_``.

    The loss gets the counts after oversampling (:meth:`epoch_class_counts` of epoch 0), so with
    ``loss=inverse_frequency`` at ``ratio=1.0`` the class weights are close to equal: the
    rebalancing is applied once, by the sampler, not twice.

    Args:
        ratio: minority/majority after oversampling, in (0, 1]; 1.0 = balanced.
        random_state: seed of the draw; the runner passes the run's ``seed``.
    """

    def __init__(self, ratio: float = 1.0, random_state: int = 0) -> None:
        super().__init__(random_state)
        self.ratio = check_ratio(
            ratio, "oversampling", "a ratio above 1 would oversample the minority past the majority"
        )

    def _fit(self) -> None:
        self.target_counts_ = oversampled_sizes(self.class_counts_, self.ratio)
        parts = []
        for class_id, target in enumerate(self.target_counts_):
            rows = np.flatnonzero(self.labels_ == class_id)
            repeats, rest = divmod(target, len(rows))
            extra = self.rng(0, class_id).choice(rows, size=rest, replace=False)
            parts.append(np.concatenate([np.tile(rows, repeats), np.sort(extra)]))
        self.sample_indices_ = np.concatenate(parts)

    def _epoch_indices(self, epoch: int) -> np.ndarray:
        return self.sample_indices_
