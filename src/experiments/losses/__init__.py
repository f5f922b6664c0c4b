"""Losses for the ``loss`` config group. Each is built as ``loss(model=..., class_counts=...)``."""

from __future__ import annotations

from experiments.losses.base import PairLoss
from experiments.losses.dice import DiceLoss, dice_loss
from experiments.losses.effective_number import effective_number_loss
from experiments.losses.focal import FocalLoss, focal_loss
from experiments.losses.ghm import GHMLoss, ghm_c_loss, ghm_weights
from experiments.losses.inverse_frequency import inverse_frequency_loss
from experiments.losses.listwise import lambda_loss, listmle_loss, listnet_loss
from experiments.losses.logit_adjusted import LogitAdjustedLoss, logit_adjusted_loss
from experiments.losses.multiple_negatives import mnrl_loss
from experiments.losses.normalized import normalized_loss
from experiments.losses.plain import plain_loss
from experiments.losses.weighted import WeightedBinaryCrossEntropyLoss, WeightedCrossEntropyLoss

__all__ = [
    "DiceLoss",
    "FocalLoss",
    "GHMLoss",
    "LogitAdjustedLoss",
    "PairLoss",
    "WeightedBinaryCrossEntropyLoss",
    "WeightedCrossEntropyLoss",
    "dice_loss",
    "effective_number_loss",
    "focal_loss",
    "ghm_c_loss",
    "ghm_weights",
    "inverse_frequency_loss",
    "lambda_loss",
    "listmle_loss",
    "listnet_loss",
    "logit_adjusted_loss",
    "mnrl_loss",
    "normalized_loss",
    "plain_loss",
]
