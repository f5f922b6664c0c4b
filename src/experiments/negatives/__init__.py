"""Negative-handling modes for the ``negatives`` config group."""

from __future__ import annotations

from experiments.negatives.base import NegativesMode
from experiments.negatives.none import NoNegatives

__all__ = ["NegativesMode", "NoNegatives"]
