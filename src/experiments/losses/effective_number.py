"""Class-balanced weights from the effective number of samples (Cui et al., CVPR 2019)."""

from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers.cross_encoder import CrossEncoder
from torch import nn

from experiments.losses.checks import check_class_counts, check_range
from experiments.losses.class_weights import effective_number_weights
from experiments.losses.weighted import class_weighted_loss


def effective_number_loss(model: CrossEncoder, class_counts: Sequence[int], beta: float = 0.999) -> nn.Module:
    """Cross-entropy (BCE for ``num_labels=1``) with weights ``(1 − β) / (1 − β^n_c)`` summing to the class count.

    Args:
        model: the CrossEncoder being trained (any head).
        class_counts: rows per class id in the data the model trains on (after sampling).
        beta: in [0, 1); 0 gives uniform weights, values near 1 approach inverse frequency.

    References:
        Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019.
    """
    beta = check_range("effective_number", "beta", beta, low=0.0, high=1.0)
    counts = check_class_counts("effective_number", model.num_labels, class_counts)
    return class_weighted_loss("effective_number", model, counts, effective_number_weights(counts, beta))
