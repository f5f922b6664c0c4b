"""Class weights and priors from the per-class training counts, shared by the weighted losses.

Every function takes counts already checked by :func:`experiments.losses.checks.check_class_counts`
and returns plain floats; :func:`check_weights` rejects weights that are not finite and positive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from experiments.errors import ConfigurationError


def inverse_frequency_weights(class_counts: Sequence[int]) -> list[float]:
    """weight_c = total / count_c: the rarer the class, the larger its weight."""
    counts = np.asarray(class_counts, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return (counts.sum() / counts).tolist()


def normalized_weights(class_counts: Sequence[int], power: float = 1.0) -> list[float]:
    """(total / count_c) ** power, rescaled so that the weights average to 1.

    ``power=1`` is normalised inverse frequency, ``power=0.5`` square-root inverse frequency, ``power=0``
    uniform weights. Averaging to 1 keeps the loss scale, and so the learning rate, comparable to ``plain``.
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        raw = np.asarray(inverse_frequency_weights(class_counts), dtype=np.float64) ** power
        return (raw / raw.mean()).tolist()


def effective_number_weights(class_counts: Sequence[int], beta: float = 0.999) -> list[float]:
    """Class-balanced weights (1 − β) / (1 − β^n_c), normalised to sum to the number of classes.

    ``beta=0`` gives uniform weights; as β → 1 they approach inverse frequency.

    References:
        Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019.
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        raw = (1.0 - beta) / (1.0 - np.power(beta, counts))
        return (raw / raw.sum() * len(counts)).tolist()


def class_priors(class_counts: Sequence[int]) -> list[float]:
    """count_c / total, the label distribution of the training data."""
    counts = np.asarray(class_counts, dtype=np.float64)
    return (counts / counts.sum()).tolist()


def positive_weight(class_weights: Sequence[float]) -> float:
    """The ``pos_weight`` of BCE-with-logits equivalent to two class weights: their ratio w_1 / w_0."""
    return float(class_weights[1]) / float(class_weights[0])


def check_weights(loss: str, weights: Sequence[float], class_counts: Sequence[int]) -> list[float]:
    """``weights`` as floats, or a ConfigurationError when one is infinite, NaN, zero or negative."""
    values = [float(weight) for weight in weights]
    if not all(math.isfinite(weight) and weight > 0 for weight in values):
        raise ConfigurationError(
            f"loss={loss}: class weights {values} from class_counts={list(class_counts)} are not all finite "
            "and positive; change the loss settings"
        )
    return values
