"""No extra regularisation: the loss as it is."""

from __future__ import annotations

from torch import nn


def no_regularization(loss: nn.Module) -> nn.Module:
    """Returns ``loss`` unchanged."""
    return loss
