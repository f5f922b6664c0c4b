"""Regularisers for the ``regularization`` config group: each wraps the loss, ``regularization(loss=...)``."""

from __future__ import annotations

from experiments.regularization.fgm import AdversarialEmbeddingLoss, fgm_perturbation
from experiments.regularization.none import no_regularization

__all__ = ["AdversarialEmbeddingLoss", "fgm_perturbation", "no_regularization"]
