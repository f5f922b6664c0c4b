"""Inverse-frequency class weights, total / count (the recipe of the class-weights source document)."""

from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers.cross_encoder import CrossEncoder
from torch import nn

from experiments.losses.checks import check_class_counts
from experiments.losses.class_weights import inverse_frequency_weights
from experiments.losses.weighted import class_weighted_loss


def inverse_frequency_loss(model: CrossEncoder, class_counts: Sequence[int]) -> nn.Module:
    """Cross-entropy with ``weight_c = total / count_c``; for ``num_labels=1``, BCE with
    ``pos_weight = count_0 / count_1``.

    Args:
        model: the CrossEncoder being trained (any head).
        class_counts: rows per class id in the data the model trains on (after sampling).
    """
    counts = check_class_counts("inverse_frequency", model.num_labels, class_counts)
    return class_weighted_loss("inverse_frequency", model, counts, inverse_frequency_weights(counts))
