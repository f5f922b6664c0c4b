"""Losses for the ``loss`` config group. Each is built as ``loss(model=..., class_counts=...)``."""

from __future__ import annotations

from experiments.losses.base import PairLoss
from experiments.losses.plain import plain_loss

__all__ = ["PairLoss", "plain_loss"]
