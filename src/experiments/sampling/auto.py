"""Rotating undersampling where the training data is imbalanced, every row every epoch where it is not."""

from __future__ import annotations

import logging

from experiments.errors import ConfigurationError
from experiments.sampling.rotating import RotatingUnderSampling

logger = logging.getLogger(__name__)


class AutoSampling(RotatingUnderSampling):
    """:class:`~experiments.sampling.rotating.RotatingUnderSampling` at ``ratio`` when the largest training class
    has at least ``min_imbalance`` times the rows of the smallest, else no resampling.

    Past the threshold the epochs are exactly those of ``sampling=rotating`` with the same ratio and seed (WikiQA,
    1:19, trains as the default run always did); within it every row is trained on once per epoch, as with
    ``sampling=none`` (NLI's three classes, or a 1:2 binary task, are not cut down to their smallest class). The
    threshold and the measurements behind it: ``docs/sampling-defaults.md``.

    Args:
        ratio: minority/majority in every epoch when the data is resampled, in (0, 1]; 1.0 = balanced.
        min_imbalance: largest/smallest class size from which the data is resampled, at least 1.
        random_state: seed of the permutations; the runner passes the run's ``seed``.
    """

    def __init__(self, ratio: float = 1.0, min_imbalance: float = 3.0, random_state: int = 0) -> None:
        super().__init__(ratio=ratio, random_state=random_state)
        if isinstance(min_imbalance, bool) or not isinstance(min_imbalance, int | float) or not min_imbalance >= 1:
            raise ConfigurationError(
                f"sampling.min_imbalance must be a number >= 1 (largest/smallest class size from which the data "
                f"is resampled), got {min_imbalance!r}"
            )
        self.min_imbalance = float(min_imbalance)

    def target_counts(self) -> list[int]:
        imbalance = max(self.class_counts_) / min(self.class_counts_)
        if imbalance >= self.min_imbalance:
            kept = super().target_counts()
            logger.info(
                "sampling=auto: the classes are 1:%.1f (at least 1:%g): rotating undersampling to %s rows per class",
                imbalance, self.min_imbalance, kept,
            )  # fmt: skip
            return kept
        logger.info(
            "sampling=auto: the classes are 1:%.1f (under 1:%g): every training row every epoch",
            imbalance, self.min_imbalance,
        )  # fmt: skip
        return list(self.class_counts_)
