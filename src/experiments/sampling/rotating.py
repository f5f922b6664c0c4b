"""Rotating undersampling: a different majority subset each epoch, so no majority row is wasted."""

from __future__ import annotations

import math

import numpy as np

from experiments.sampling.base import EpochSampler
from experiments.sampling.ratio import check_ratio, undersampled_sizes, warn_if_few_kept
from experiments.sampling.under import TOO_LARGE


class RotatingUnderSampling(EpochSampler):
    """Undersamples like :class:`~experiments.sampling.under.RandomUnderSampling`, with a new subset every epoch.

    Sizes: class ``k`` with ``n_k`` rows trains on ``t_k = min(n_k, floor(n_smallest / ratio))``
    rows per epoch. Classes with ``t_k = n_k`` (the minority) train on all their rows every epoch.
    Every cut class (``t_k < n_k``, a majority class) walks through a seeded permutation of its
    rows in consecutive slices of ``t_k``: over a cycle of ``ceil(n_k / t_k)`` epochs each of its
    rows is trained on exactly once; when ``t_k`` does not divide ``n_k``, the cycle's last epoch
    is topped up to ``t_k`` rows with rows seen earlier in the cycle (no row twice in one epoch).
    The next cycle starts with a fresh permutation. Each class cycles on its own, so with N
    classes every cut class is covered after its own number of epochs.

    Every epoch has ``sum(t_k)`` rows. Epochs are computed from ``(random_state, class, cycle)``
    alone: the same seed gives the same subsets in every run, epoch by epoch.

    :meth:`epoch_metrics` adds ``train_majority_coverage``: the share of the cut classes' rows
    trained on at least once so far (1.0 when no class is cut). It follows the epochs training
    actually received (:meth:`~experiments.sampling.base.EpochSampler.serve`).

    The loss gets the counts of one epoch (:meth:`epoch_class_counts` of epoch 0, the same every
    epoch), so a class-weighted loss weighs the classes as they are trained on.

    Args:
        ratio: minority/majority in every epoch, in (0, 1]; 1.0 = balanced.
        random_state: seed of the permutations; the runner passes the run's ``seed``.

    References:
        X.-Y. Liu, J. Wu and Z.-H. Zhou, "Exploratory Undersampling for Class-Imbalance Learning",
        IEEE Trans. Systems, Man, and Cybernetics B 39(2), 2009 (EasyEnsemble: each learner sees a different
        random subset of the majority class, so together they use the majority rows undersampling throws
        away); here the subsets follow one another epoch by epoch instead of feeding separate learners.
        imbalanced-learn's ``EasyEnsembleClassifier`` implements the ensemble form.
    """

    def __init__(self, ratio: float = 1.0, random_state: int = 0) -> None:
        super().__init__(random_state)
        self.ratio = check_ratio(ratio, "undersampling", TOO_LARGE)

    def target_counts(self) -> list[int]:
        """Rows per class each epoch trains on."""
        return undersampled_sizes(self.class_counts_, self.ratio)

    def _fit(self) -> None:
        self.target_counts_ = self.target_counts()
        warn_if_few_kept("rotating", self.class_counts_, self.target_counts_)
        self.class_rows_ = [np.flatnonzero(self.labels_ == k) for k in range(self.num_classes_)]
        self.cycle_epochs_ = [math.ceil(n / t) for n, t in zip(self.class_counts_, self.target_counts_, strict=True)]
        self.majority_classes_ = [
            k for k, (n, t) in enumerate(zip(self.class_counts_, self.target_counts_, strict=True)) if t < n
        ]

    def class_epoch_rows(self, class_id: int, epoch: int) -> np.ndarray:
        """The rows of ``class_id`` trained on in sampler epoch ``epoch``."""
        rows, kept = self.class_rows_[class_id], self.target_counts_[class_id]
        if kept == len(rows):
            return rows
        cycle, slot = divmod(epoch, self.cycle_epochs_[class_id])
        rng = self.rng(0, class_id, cycle)
        order = rows[rng.permutation(len(rows))]
        chosen = order[slot * kept : (slot + 1) * kept]
        if len(chosen) < kept:
            seen = order[: slot * kept]
            chosen = np.concatenate([chosen, rng.choice(seen, size=kept - len(chosen), replace=False)])
        return chosen

    def _epoch_indices(self, epoch: int) -> np.ndarray:
        return np.concatenate([self.class_epoch_rows(k, epoch) for k in range(self.num_classes_)])

    def majority_coverage(self, epoch: int) -> float:
        """Share of the cut classes' rows trained on at least once in training epochs ``0..epoch``."""
        if not self.majority_classes_:
            return 1.0
        seen = np.zeros(len(self.labels_), dtype=bool)
        for drawn in self.trained_epochs(epoch):
            for class_id in self.majority_classes_:
                seen[self.class_epoch_rows(class_id, drawn)] = True
        total = sum(self.class_counts_[k] for k in self.majority_classes_)
        return float(seen.sum() / total)

    def epoch_metrics(self, epoch: int) -> dict[str, float]:
        return {**super().epoch_metrics(epoch), "train_majority_coverage": self.majority_coverage(epoch)}
