"""Self-adjusting dice loss (Li et al., ACL 2020), for every head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from sentence_transformers.cross_encoder import CrossEncoder
from torch import Tensor

from experiments.losses.base import PairLoss
from experiments.losses.checks import check_class_counts, check_range


def class_log_probs(logits: Tensor) -> tuple[Tensor, Tensor]:
    """log p and log(1 − p) of the scored classes: (batch, 1) for binary heads (the positive class), else (batch, C).

    The positive class is σ(z) for one logit and softmax(z)[:, 1] for two; every class for 3 or more.
    Computed in log space, so finite for logits of any size.
    """
    if logits.shape[-1] == 1:
        return F.logsigmoid(logits), F.logsigmoid(-logits)
    num_classes = logits.shape[-1]
    log_normaliser = torch.logsumexp(logits, dim=-1, keepdim=True)
    each_class = torch.eye(num_classes, dtype=torch.bool, device=logits.device)
    others = logits.unsqueeze(1).expand(-1, num_classes, -1).masked_fill(each_class, float("-inf"))
    log_p, log_one_minus_p = logits - log_normaliser, torch.logsumexp(others, dim=-1) - log_normaliser
    if num_classes == 2:
        return log_p[:, 1:], log_one_minus_p[:, 1:]
    return log_p, log_one_minus_p


def dice_loss(logits: Tensor, labels: Tensor, alpha: float = 0.0, smooth: float = 1.0) -> Tensor:
    """DL = 1 − (2 Σ_i q_i y_i + γ) / (Σ_i q_i + Σ_i y_i + γ) with q = (1 − p)^α · p, over the batch.

    The soft dice coefficient (an F1 surrogate) of the positive class for binary heads, averaged over the
    classes (one against the rest) for 3 or more. α > 0 is the paper's self-adjusting factor, which
    down-weights confident examples; γ (``smooth``) keeps batches without a positive defined.

    Args:
        logits: (batch, 1), (batch, 2) or (batch, C ≥ 3).
        labels: integer class ids, (batch,).
        alpha: exponent of the self-adjusting factor (1 − p), >= 0.
        smooth: γ, added to numerator and denominator, > 0.
    """
    log_p, log_one_minus_p = class_log_probs(logits)
    labels = labels.long().view(-1)
    if log_p.shape[-1] == 1:
        targets = (labels == 1).to(logits).unsqueeze(-1)
    else:
        targets = F.one_hot(labels, log_p.shape[-1]).to(logits)
    adjusted = torch.exp(alpha * log_one_minus_p + log_p)
    overlap = (adjusted * targets).sum(dim=0)
    dice = (2 * overlap + smooth) / (adjusted.sum(dim=0) + targets.sum(dim=0) + smooth)
    return (1 - dice).mean()


class DiceLoss(PairLoss):
    """Self-adjusting dice loss, computed over each batch as in the authors' implementation.

    Args:
        model: the CrossEncoder being trained (any head).
        class_counts: rows per class id in the data the model trains on (logged; dice does not use them).
        alpha: exponent of the self-adjusting factor (1 − p)^α, >= 0; 0 (the authors' code default) is
            plain soft dice.
        smooth: γ, added to numerator and denominator, > 0.

    References:
        Li et al., "Dice Loss for Data-imbalanced NLP Tasks", ACL 2020.
    """

    def __init__(
        self, model: CrossEncoder, class_counts: Sequence[int], alpha: float = 0.0, smooth: float = 1.0
    ) -> None:
        super().__init__(model, check_class_counts("dice", model.num_labels, class_counts))
        self.alpha = check_range("dice", "alpha", alpha, low=0.0, high=None)
        self.smooth = check_range("dice", "smooth", smooth, low=0.0, high=None, low_open=True)

    def compute(self, logits: Tensor, labels: Tensor) -> Tensor:
        return dice_loss(logits, labels, self.alpha, self.smooth)

    def get_config_dict(self) -> dict[str, Any]:
        return {**super().get_config_dict(), "alpha": self.alpha, "smooth": self.smooth}
