"""Log-probabilities of the true class from logits, stable for any logit size, for every head."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def true_class_log_probs(logits: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """log p_t and log(1 − p_t) per example, where p_t is the probability given to the true class.

    Logits of shape (batch, 1) use the sigmoid (p = σ(z) for label 1, 1 − σ(z) for label 0); shape
    (batch, C ≥ 2) uses the softmax. Both are computed from the logits in log space
    (``logsigmoid``, ``logsumexp`` over the other classes), so they stay finite, with finite gradients,
    for logits of any size.
    """
    labels = labels.long().view(-1)
    if logits.shape[-1] == 1:
        signed = torch.where(labels == 1, logits.view(-1), -logits.view(-1))
        return F.logsigmoid(signed), F.logsigmoid(-signed)
    log_normaliser = torch.logsumexp(logits, dim=-1)
    true_logit = logits.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    true_class = F.one_hot(labels, logits.shape[-1]).bool()
    others = torch.logsumexp(logits.masked_fill(true_class, float("-inf")), dim=-1)
    return true_logit - log_normaliser, others - log_normaliser


def class_weighted_mean(per_example: Tensor, labels: Tensor, class_weights: Tensor | None) -> Tensor:
    """The mean of ``per_example``, or with class weights Σ w_y·l / Σ w_y (``torch.nn.CrossEntropyLoss``'s rule)."""
    if class_weights is None:
        return per_example.mean()
    weights = class_weights.to(per_example)[labels.long().view(-1)]
    return (weights * per_example).sum() / weights.sum()
