"""Heads for the ``head`` config group."""

from __future__ import annotations

from experiments.heads.base import Head
from experiments.heads.binary_sigmoid import BinarySigmoidHead
from experiments.heads.binary_softmax import BinarySoftmaxHead
from experiments.heads.multiclass import MulticlassHead

# The heads a saved model may name (``decision.json``): a model folder picks one by name, never by import path.
HEADS: dict[str, type[Head]] = {head.name: head for head in (BinarySigmoidHead, BinarySoftmaxHead, MulticlassHead)}


def head_by_name(name: str) -> Head:
    """A new head of the registered kind ``name`` (the option name in ``conf/head``)."""
    if name not in HEADS:
        raise ValueError(f"unknown head {name!r}; the known heads are {sorted(HEADS)}")
    return HEADS[name]()


__all__ = ["HEADS", "BinarySigmoidHead", "BinarySoftmaxHead", "Head", "MulticlassHead", "head_by_name"]
