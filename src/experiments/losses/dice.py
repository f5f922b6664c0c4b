"""Self-adjusting dice loss (Li et al., ACL 2020), for every head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from sentence_transformers.cross_encoder import CrossEncoder
from torch import Tensor

from experiments.errors import ConfigurationError
from experiments.losses.base import PairLoss
from experiments.losses.checks import check_class_counts, check_range

DICE_CLASSES = ("all", "positive")


def class_log_probs(logits: Tensor, classes: str = "all") -> tuple[Tensor, Tensor]:
    """log p and log(1 − p) of the scored classes, (batch, K).

    ``classes="all"``: every class; with one logit the two classes are σ(z) (positive) and 1 − σ(z)
    (negative), so K = 2 for both binary heads. ``classes="positive"``: the positive class alone (K = 1) for
    binary heads (σ(z) for one logit, softmax(z)[:, 1] for two); every class for 3 or more.
    Computed in log space, so finite for logits of any size.
    """
    if logits.shape[-1] == 1:
        log_p, log_one_minus_p = F.logsigmoid(logits), F.logsigmoid(-logits)
        if classes == "positive":
            return log_p, log_one_minus_p
        return torch.cat([log_one_minus_p, log_p], dim=-1), torch.cat([log_p, log_one_minus_p], dim=-1)
    num_classes = logits.shape[-1]
    log_normaliser = torch.logsumexp(logits, dim=-1, keepdim=True)
    each_class = torch.eye(num_classes, dtype=torch.bool, device=logits.device)
    others = logits.unsqueeze(1).expand(-1, num_classes, -1).masked_fill(each_class, float("-inf"))
    log_p, log_one_minus_p = logits - log_normaliser, torch.logsumexp(others, dim=-1) - log_normaliser
    if num_classes == 2 and classes == "positive":
        return log_p[:, 1:], log_one_minus_p[:, 1:]
    return log_p, log_one_minus_p


def dice_loss(
    logits: Tensor,
    labels: Tensor,
    alpha: float = 0.0,
    smooth: float = 1.0,
    classes: str = "all",
    square_denominator: bool = False,
) -> Tensor:
    """DL = 1 − (2 Σ_i q_i y_i + γ) / (Σ_i q_i + Σ_i y_i + γ) with q = (1 − p)^α · p, over the batch, averaged
    over the scored classes (one against the rest).

    The soft dice coefficient is an F1 surrogate of one class. Scored on the positive class alone
    (``classes="positive"``), predicting every pair positive is a deep optimum when positives are the
    majority: the dice of that prediction is 2P / (N + P), 0.8 at 67 % positive, and negatives add only to
    the denominator. Scoring every class (``classes="all"``, the authors' code for classifiers with one
    logit per class) gives that prediction a negative-class dice near 0, so the loss stays near 0.5.
    α > 0 is the paper's self-adjusting factor, which down-weights confident examples; γ (``smooth``) keeps
    batches without a class defined; ``square_denominator`` sums q² and y² in the denominator (V-Net's form).

    Args:
        logits: (batch, 1), (batch, 2) or (batch, C ≥ 3).
        labels: integer class ids, (batch,).
        alpha: exponent of the self-adjusting factor (1 − p), >= 0.
        smooth: γ, added to numerator and denominator, > 0.
        classes: ``all`` or ``positive`` (binary heads; 3 or more classes always score all).
        square_denominator: Σ q² + Σ y² in the denominator instead of Σ q + Σ y.
    """
    log_p, log_one_minus_p = class_log_probs(logits, classes)
    labels = labels.long().view(-1)
    if log_p.shape[-1] == 1:
        targets = (labels == 1).to(logits).unsqueeze(-1)
    else:
        targets = F.one_hot(labels, log_p.shape[-1]).to(logits)
    adjusted = torch.exp(alpha * log_one_minus_p + log_p)
    overlap = (adjusted * targets).sum(dim=0)
    predicted = (adjusted**2).sum(dim=0) if square_denominator else adjusted.sum(dim=0)
    dice = (2 * overlap + smooth) / (predicted + targets.sum(dim=0) + smooth)
    return (1 - dice).mean()


class DiceLoss(PairLoss):
    """Self-adjusting dice loss, computed over each batch as in the authors' implementation.

    Args:
        model: the CrossEncoder being trained (any head).
        class_counts: rows per class id in the data the model trains on (logged; dice does not use them).
        alpha: exponent of the self-adjusting factor (1 − p)^α, >= 0; 0 (the authors' code default) is
            plain soft dice.
        smooth: γ, added to numerator and denominator, > 0.
        classes: ``all`` (default: every class, as the authors' code for classifiers) or ``positive`` (binary
            heads: the positive class only, which collapses to "all positive" when positives are the majority).
        square_denominator: Σ q² + Σ y² in the denominator (the authors' GLUE scripts use it).

    References:
        Li et al., "Dice Loss for Data-imbalanced NLP Tasks", ACL 2020.
    """

    def __init__(
        self,
        model: CrossEncoder,
        class_counts: Sequence[int],
        alpha: float = 0.0,
        smooth: float = 1.0,
        classes: str = "all",
        square_denominator: bool = True,
    ) -> None:
        super().__init__(model, check_class_counts("dice", model.num_labels, class_counts))
        self.alpha = check_range("dice", "alpha", alpha, low=0.0, high=None)
        self.smooth = check_range("dice", "smooth", smooth, low=0.0, high=None, low_open=True)
        if classes not in DICE_CLASSES:
            raise ConfigurationError(f"loss=dice: classes must be one of {list(DICE_CLASSES)}, got {classes!r}")
        self.classes = classes
        self.square_denominator = bool(square_denominator)

    def compute(self, logits: Tensor, labels: Tensor) -> Tensor:
        return dice_loss(logits, labels, self.alpha, self.smooth, self.classes, self.square_denominator)

    def get_config_dict(self) -> dict[str, Any]:
        return {
            **super().get_config_dict(),
            "alpha": self.alpha,
            "smooth": self.smooth,
            "classes": self.classes,
            "square_denominator": self.square_denominator,
        }
