"""Heads for the ``head`` config group."""

from __future__ import annotations

from experiments.heads.base import Head
from experiments.heads.binary_sigmoid import BinarySigmoidHead
from experiments.heads.binary_softmax import BinarySoftmaxHead
from experiments.heads.multiclass import MulticlassHead

__all__ = ["BinarySigmoidHead", "BinarySoftmaxHead", "Head", "MulticlassHead"]
