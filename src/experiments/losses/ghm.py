"""Gradient harmonizing loss GHM-C (Li, Liu and Wang, AAAI 2019), for every head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from sentence_transformers.cross_encoder import CrossEncoder
from torch import Tensor

from experiments.errors import ConfigurationError
from experiments.losses.base import PairLoss
from experiments.losses.checks import check_class_counts, check_range
from experiments.losses.probabilities import true_class_log_probs


def gradient_norms(logits: Tensor, labels: Tensor) -> Tensor:
    """g per example, detached: |σ(z) − y| for logits (batch, 1), 1 − p_y for softmax logits (batch, C ≥ 2).

    Both equal 1 − p_t, the probability mass the model puts off the true class.
    """
    _, log_one_minus_pt = true_class_log_probs(logits.detach(), labels)
    return log_one_minus_pt.exp()


def bin_indices(norms: Tensor, bins: int) -> Tensor:
    """The unit region of each gradient norm in [0, 1]: bin k holds [k/bins, (k+1)/bins), the last also 1."""
    return torch.clamp((norms * bins).long(), min=0, max=bins - 1)


def ghm_weights(norms: Tensor, bins: int, bin_counts: Tensor | None = None) -> Tensor:
    """β_i = N / (R_i · n), the inverse gradient density of example i, averaging 1 over the batch.

    N is the batch size, R_i the number of examples in i's bin (``bin_counts``, e.g. a moving average,
    or this batch's own histogram when None) and n the number of bins this batch occupies. The paper
    writes GD(g) = R(g) · M with M bins; dividing by the occupied bins instead (as the authors'
    implementation does) makes the weights average to 1.
    """
    index = bin_indices(norms, bins)
    batch_counts = torch.bincount(index, minlength=bins).to(norms)
    counts = batch_counts if bin_counts is None else bin_counts.to(norms)
    occupied = (batch_counts > 0).sum()
    return norms.numel() / (counts[index] * occupied)


def ghm_c_loss(logits: Tensor, labels: Tensor, weights: Tensor) -> Tensor:
    """L_GHM-C = (1/N) Σ β_i · CE_i, with the sigmoid (num_labels=1) or softmax cross-entropy."""
    log_pt, _ = true_class_log_probs(logits, labels)
    return (weights.detach() * -log_pt).mean()


class GHMLoss(PairLoss):
    """GHM-C: each example's cross-entropy divided by the density of examples with a similar gradient norm.

    Easy examples (g near 0, the crowd of well-classified negatives) and outliers (g near 1) are both
    down-weighted. With ``momentum > 0`` the bin counts are an exponential moving average over batches,
    each bin bias-corrected by 1 − momentum^t after its t-th update (as in Adam), so the first batches are
    not over-weighted by the zero start.

    Args:
        model: the CrossEncoder being trained (any head).
        class_counts: rows per class id in the data the model trains on (logged; GHM does not use them).
        bins: number of unit regions M over [0, 1], >= 1.
        momentum: EMA factor of the bin counts in [0, 1); 0 uses each batch's own counts.

    References:
        Li, Liu and Wang, "Gradient Harmonized Single-stage Detector", AAAI 2019.
    """

    def __init__(
        self, model: CrossEncoder, class_counts: Sequence[int], bins: int = 10, momentum: float = 0.75
    ) -> None:
        super().__init__(model, check_class_counts("ghm", model.num_labels, class_counts))
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ConfigurationError(f"loss=ghm: bins must be a positive integer, got {bins!r}")
        self.bins = bins
        self.momentum = check_range("ghm", "momentum", momentum, low=0.0, high=1.0)
        self.register_buffer("bin_average", torch.zeros(bins, dtype=torch.float64))
        self.register_buffer("bin_updates", torch.zeros(bins, dtype=torch.float64))

    def smoothed_bin_counts(self, norms: Tensor) -> Tensor | None:
        """Update the moving average with this batch's histogram (only while training) and return it, bias-corrected."""
        if self.momentum == 0:
            return None
        counts = torch.bincount(bin_indices(norms, self.bins), minlength=self.bins).to(self.bin_average)
        if torch.is_grad_enabled():
            seen = counts > 0
            self.bin_average[seen] = self.momentum * self.bin_average[seen] + (1 - self.momentum) * counts[seen]
            self.bin_updates[seen] += 1
        corrected = self.bin_average / (1 - self.momentum**self.bin_updates).clamp(min=1e-12)
        return torch.where(self.bin_updates > 0, corrected, counts)

    def compute(self, logits: Tensor, labels: Tensor) -> Tensor:
        norms = gradient_norms(logits, labels)
        weights = ghm_weights(norms, self.bins, self.smoothed_bin_counts(norms))
        return ghm_c_loss(logits, labels, weights)

    def get_config_dict(self) -> dict[str, Any]:
        return {**super().get_config_dict(), "bins": self.bins, "momentum": self.momentum}
