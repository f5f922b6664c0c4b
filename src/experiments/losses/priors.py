"""The class mass a loss trains on: what ``calibration=prior`` undoes (Saerens et al., 2002)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class ReweightsClasses(Protocol):
    """A loss that weighs the classes otherwise than by their rows says how, through this one method."""

    def effective_class_counts(self, class_counts: Sequence[float]) -> list[float]:
        """The class mass the loss trains on, given the rows per class it sees (``class_counts``)."""
        ...


def effective_class_counts(loss: object, class_counts: Sequence[float]) -> list[float]:
    """The class mass ``loss`` trains on: the rows per class re-weighted as the loss weighs them.

    A loss that re-weights classes answers itself (:class:`ReweightsClasses`): a class-weighted cross-entropy
    with weights w_k is minimised by the posterior of a world with priors proportional to count_k * w_k; a
    logit-adjusted loss leaves raw logits whose priors are proportional to pi_k ** (1 - tau). Any other loss
    trains on the counts as they are.
    """
    if isinstance(loss, ReweightsClasses):
        return loss.effective_class_counts(class_counts)
    return np.asarray(class_counts, dtype=np.float64).tolist()
