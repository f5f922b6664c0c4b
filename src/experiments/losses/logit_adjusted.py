"""Logit-adjusted cross-entropy (Menon et al., ICLR 2021), for every head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sentence_transformers.cross_encoder import CrossEncoder
from torch import Tensor

from experiments.losses.base import PairLoss
from experiments.losses.checks import check_class_counts, check_range
from experiments.losses.class_weights import class_priors


def logit_adjusted_loss(logits: Tensor, labels: Tensor, priors: Tensor, tau: float = 1.0) -> Tensor:
    """Cross-entropy of ``logits + τ · log π``; the raw logits, used at prediction, are then balanced.

    For one logit z (num_labels=1) this is BCE-with-logits of z + τ · (log π_1 − log π_0), the two-logit
    form with the negative logit fixed at 0.

    Args:
        logits: (batch, 1) or (batch, C ≥ 2).
        labels: integer class ids, (batch,).
        priors: class priors π, (C,) (2 for one logit).
        tau: temperature of the adjustment, >= 0 (0 gives plain cross-entropy).
    """
    log_priors = torch.log(priors.to(logits))
    if logits.shape[-1] == 1:
        shifted = logits.view(-1) + tau * (log_priors[1] - log_priors[0])
        return F.binary_cross_entropy_with_logits(shifted, labels.view(-1).to(logits))
    return F.cross_entropy(logits + tau * log_priors, labels.long().view(-1))


class LogitAdjustedLoss(PairLoss):
    """Logit-adjusted cross-entropy with priors from the training class counts.

    Args:
        model: the CrossEncoder being trained (any head).
        class_counts: rows per class id in the data the model trains on (after sampling); the priors.
        tau: temperature, >= 0; 1 is the paper's Fisher-consistent choice for the balanced error.

    References:
        Menon et al., "Long-tail learning via logit adjustment", ICLR 2021.
    """

    def __init__(self, model: CrossEncoder, class_counts: Sequence[int], tau: float = 1.0) -> None:
        super().__init__(model, check_class_counts("logit_adjusted", model.num_labels, class_counts))
        self.tau = check_range("logit_adjusted", "tau", tau, low=0.0, high=None)
        self.priors = class_priors(self.class_counts)
        self.register_buffer("prior_tensor", torch.tensor(self.priors, dtype=torch.float32))

    def compute(self, logits: Tensor, labels: Tensor) -> Tensor:
        return logit_adjusted_loss(logits, labels, self.prior_tensor, self.tau)

    def get_config_dict(self) -> dict[str, Any]:
        return {**super().get_config_dict(), "tau": self.tau, "priors": self.priors}

    def effective_class_counts(self, class_counts: Sequence[float]) -> list[float]:
        """The raw logits' class mass: proportional to pi_k ** (1 - tau), scaled to the rows seen."""
        counts = np.asarray(class_counts, dtype=np.float64)
        return (counts.sum() * np.asarray(self.priors, dtype=np.float64) ** (1.0 - float(self.tau))).tolist()
