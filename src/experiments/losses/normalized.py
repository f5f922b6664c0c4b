"""Inverse-frequency class weights raised to a power and rescaled to average 1."""

from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers.cross_encoder import CrossEncoder
from torch import nn

from experiments.losses.checks import check_class_counts, check_range
from experiments.losses.class_weights import normalized_weights
from experiments.losses.weighted import class_weighted_loss


def normalized_loss(model: CrossEncoder, class_counts: Sequence[int], power: float = 1.0) -> nn.Module:
    """Cross-entropy (BCE for ``num_labels=1``) with weights ``(total / count_c) ** power`` averaging 1.

    Args:
        model: the CrossEncoder being trained (any head).
        class_counts: rows per class id in the data the model trains on (after sampling).
        power: 1 = inverse frequency, 0.5 = square-root inverse frequency, 0 = uniform; must be >= 0.
    """
    power = check_range("normalized", "power", power, low=0.0)
    counts = check_class_counts("normalized", model.num_labels, class_counts)
    return class_weighted_loss("normalized", model, counts, normalized_weights(counts, power))
