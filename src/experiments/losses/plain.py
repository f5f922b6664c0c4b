"""Unweighted loss: sentence-transformers' own BCE-with-logits (num_labels=1) or cross-entropy."""

from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss, CrossEntropyLoss
from torch import nn


def plain_loss(model: CrossEncoder, class_counts: Sequence[int]) -> nn.Module:
    """The library's default objective for the head: no reweighting.

    ``class_counts`` is accepted for the loss-group contract and not used.
    """
    if model.num_labels == 1:
        return BinaryCrossEntropyLoss(model)
    return CrossEntropyLoss(model)
