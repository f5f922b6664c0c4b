"""Losses for the ``loss`` config group. Each is built as ``loss(model=..., class_counts=...)``."""

from __future__ import annotations

from experiments.losses.base import PairLoss
from experiments.losses.listwise import lambda_loss, listmle_loss, listnet_loss
from experiments.losses.multiple_negatives import mnrl_loss
from experiments.losses.plain import plain_loss

__all__ = ["PairLoss", "lambda_loss", "listmle_loss", "listnet_loss", "mnrl_loss", "plain_loss"]
