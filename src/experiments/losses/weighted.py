"""Class-weighted BCE / cross-entropy: sentence-transformers' own losses, with the counts and weights they use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss, CrossEntropyLoss
from torch import nn

from experiments.losses.class_weights import check_weights, positive_weight


def weighted_class_counts(class_counts: Sequence[float], class_weights: Sequence[float]) -> list[float]:
    """count_k * w_k, the class mass a cross-entropy weighted by w_k trains on."""
    return (np.asarray(class_counts, dtype=np.float64) * np.asarray(class_weights, dtype=np.float64)).tolist()


class WeightedBinaryCrossEntropyLoss(BinaryCrossEntropyLoss):
    """BCE-with-logits for ``num_labels=1`` with ``pos_weight = w_1 / w_0`` from two class weights.

    Args:
        model: a CrossEncoder with one output label.
        class_counts: rows per class id in the training data.
        class_weights: one weight per class; only their ratio reaches the loss.
    """

    def __init__(self, model: CrossEncoder, class_counts: Sequence[int], class_weights: Sequence[float]) -> None:
        super().__init__(model, pos_weight=torch.tensor(positive_weight(class_weights)))
        self.class_counts = list(class_counts)
        self.class_weights = list(class_weights)

    def get_config_dict(self) -> dict[str, Any]:
        return {**super().get_config_dict(), "class_counts": self.class_counts, "class_weights": self.class_weights}

    def effective_class_counts(self, class_counts: Sequence[float]) -> list[float]:
        """count_k * w_k: the priors whose posterior this weighted loss is minimised by."""
        return weighted_class_counts(class_counts, self.class_weights)


class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """Cross-entropy for ``num_labels >= 2`` with ``torch.nn.CrossEntropyLoss(weight=class_weights)``.

    Args:
        model: a CrossEncoder with one output label per class.
        class_counts: rows per class id in the training data.
        class_weights: one weight per class.
    """

    def __init__(self, model: CrossEncoder, class_counts: Sequence[int], class_weights: Sequence[float]) -> None:
        super().__init__(model, weight=torch.tensor(list(class_weights), dtype=torch.float32))
        self.class_counts = list(class_counts)
        self.class_weights = list(class_weights)

    def get_config_dict(self) -> dict[str, Any]:
        return {"class_counts": self.class_counts, "class_weights": self.class_weights}

    def effective_class_counts(self, class_counts: Sequence[float]) -> list[float]:
        """count_k * w_k: the priors whose posterior this weighted loss is minimised by."""
        return weighted_class_counts(class_counts, self.class_weights)


def class_weighted_loss(
    loss: str, model: CrossEncoder, class_counts: Sequence[int], class_weights: Sequence[float]
) -> nn.Module:
    """The weighted BCE (num_labels=1) or cross-entropy (num_labels >= 2) for checked counts and ``class_weights``.

    Raises:
        ConfigurationError: a weight is infinite, NaN or not positive (named after ``loss``).
    """
    weights = check_weights(loss, class_weights, class_counts)
    if model.num_labels == 1:
        return WeightedBinaryCrossEntropyLoss(model, class_counts, weights)
    return WeightedCrossEntropyLoss(model, class_counts, weights)
