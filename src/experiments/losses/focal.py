"""Focal loss (Lin et al., ICCV 2017): sigmoid form for num_labels=1, softmax form for 2 or more logits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from sentence_transformers.cross_encoder import CrossEncoder
from torch import Tensor

from experiments.errors import ConfigurationError
from experiments.losses.base import PairLoss
from experiments.losses.checks import BINARY_HEADS, check_class_counts, check_range, head_name
from experiments.losses.class_weights import check_weights, normalized_weights
from experiments.losses.probabilities import class_weighted_mean, true_class_log_probs

CLASS_WEIGHTS = "class_weights"


def focal_loss(logits: Tensor, labels: Tensor, gamma: float = 2.0, alpha: Tensor | None = None) -> Tensor:
    """FL = −α_t (1 − p_t)^γ log p_t, averaged over the batch (weighted by α_t when given).

    (1 − p_t)^γ is computed as exp(γ · log(1 − p_t)) from the logits, so values and gradients stay
    finite for large logits and for γ < 1, where a plain power has an infinite slope at p_t = 1.
    With γ = 0 it is exactly (class-weighted) cross-entropy.

    Args:
        logits: (batch, 1) for the sigmoid form, (batch, C ≥ 2) for the softmax form.
        labels: integer class ids, (batch,).
        gamma: focusing parameter, >= 0.
        alpha: one weight per class (2 for the sigmoid form), or None.
    """
    log_pt, log_one_minus_pt = true_class_log_probs(logits, labels)
    per_example = -torch.exp(gamma * log_one_minus_pt) * log_pt
    return class_weighted_mean(per_example, labels, alpha)


class FocalLoss(PairLoss):
    """Focal loss for any head.

    Args:
        model: the CrossEncoder being trained.
        class_counts: rows per class id in the data the model trains on (after sampling).
        gamma: focusing parameter, >= 0 (0 gives cross-entropy).
        alpha: class weighting. None: none. A number in [0, 1]: weight of the positive class, 1 − alpha for
            the negative (binary heads, as in the paper). A list: one weight per class. ``"class_weights"``:
            inverse-frequency weights from ``class_counts`` normalised to average 1.

    References:
        Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017.
    """

    def __init__(
        self,
        model: CrossEncoder,
        class_counts: Sequence[int],
        gamma: float = 2.0,
        alpha: float | Sequence[float] | str | None = None,
    ) -> None:
        counts = check_class_counts("focal", model.num_labels, class_counts)
        super().__init__(model, counts)
        self.gamma = check_range("focal", "gamma", gamma, low=0.0, high=None)
        self.alpha = self._alpha(alpha, model.num_labels)
        self.register_buffer("alpha_weights", None if self.alpha is None else torch.tensor(self.alpha))

    def _alpha(self, alpha: float | Sequence[float] | str | None, num_labels: int) -> list[float] | None:
        if alpha is None:
            return None
        if isinstance(alpha, str):
            if alpha != CLASS_WEIGHTS:
                raise ConfigurationError(
                    f"loss=focal: alpha must be null, a number, a list or {CLASS_WEIGHTS!r}, got {alpha!r}"
                )
            return check_weights("focal", normalized_weights(self.class_counts), self.class_counts)
        if isinstance(alpha, int | float):
            if len(self.class_counts) != 2:
                raise ConfigurationError(
                    f"loss=focal with head={head_name(num_labels)}: a single alpha={alpha} weights the positive "
                    f"class of binary data; use {BINARY_HEADS}, or a list of {len(self.class_counts)} weights "
                    f"or alpha={CLASS_WEIGHTS}"
                )
            positive = check_range("focal", "alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
            return [1.0 - positive, positive]
        weights = [float(weight) for weight in alpha]
        if len(weights) != len(self.class_counts):
            raise ConfigurationError(
                f"loss=focal: alpha has {len(weights)} weights, but the data has {len(self.class_counts)} classes"
            )
        return check_weights("focal", weights, self.class_counts)

    def compute(self, logits: Tensor, labels: Tensor) -> Tensor:
        return focal_loss(logits, labels, self.gamma, self.alpha_weights)

    def get_config_dict(self) -> dict[str, Any]:
        return {**super().get_config_dict(), "gamma": self.gamma, "alpha": self.alpha}
