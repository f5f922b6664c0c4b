from __future__ import annotations

import pytest
import torch

from experiments.errors import ConfigurationError
from experiments.losses import dice_loss
from tests.losses.conftest import build_loss


@pytest.mark.parametrize("num_labels", [1, 2])
def test_binary_positive_class_by_hand(num_labels: int):
    logits, labels = torch.zeros(2, num_labels), torch.tensor([1, 0])
    # p = 0.5 for both: (2 * 0.5 + 1) / (1 + 1 + 1) = 2/3
    assert dice_loss(logits, labels, 0.0, 1.0, classes="positive").item() == pytest.approx(1 / 3, rel=1e-6)
    # self-adjusting alpha = 1: q = 0.25 each: (0.5 + 1) / (0.5 + 1 + 1) = 0.6
    assert dice_loss(logits, labels, 1.0, 1.0, classes="positive").item() == pytest.approx(0.4, rel=1e-6)


@pytest.mark.parametrize("num_labels", [1, 2])
def test_binary_every_class_by_hand(num_labels: int):
    # p = 0.8 for the positive class of 3 pairs, labels [1, 1, 0]; smooth 1.
    logit = torch.log(torch.tensor(4.0))
    logits = torch.full((3, 1), logit.item()) if num_labels == 1 else torch.tensor([[0.0, logit.item()]] * 3)
    labels = torch.tensor([1, 1, 0])
    positive = 1 - (2 * 1.6 + 1) / (2.4 + 2 + 1)  # overlap 0.8 + 0.8, Σq = 2.4, Σy = 2
    negative = 1 - (2 * 0.2 + 1) / (0.6 + 1 + 1)  # overlap 0.2, Σq = 0.6, Σy = 1
    assert dice_loss(logits, labels, smooth=1.0).item() == pytest.approx((positive + negative) / 2, rel=1e-5)
    squared_positive = 1 - (2 * 1.6 + 1) / (3 * 0.64 + 2 + 1)
    squared_negative = 1 - (2 * 0.2 + 1) / (3 * 0.04 + 1 + 1)
    squared = dice_loss(logits, labels, smooth=1.0, square_denominator=True).item()
    assert squared == pytest.approx((squared_positive + squared_negative) / 2, rel=1e-5)


def fit_shared_logit(classes: str, labels: torch.Tensor) -> float:
    """σ(b) after fitting one logit b shared by every pair (a model that cannot yet tell pairs apart)."""
    bias = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.Adam([bias], lr=0.05)
    for _ in range(400):
        optimizer.zero_grad()
        dice_loss(bias.expand(len(labels), 1), labels, smooth=1e-4, classes=classes).backward()
        optimizer.step()
    return torch.sigmoid(bias).item()


def test_every_pair_positive_is_the_optimum_of_positive_class_dice_but_not_of_every_class_dice():
    """67 % positive, a model that cannot tell pairs apart yet: positive-class dice 2Pp / (Np + P) grows with p
    up to p = 1 (every pair positive, the collapse seen on majority-positive data); the dice of both classes
    has its optimum inside (0, 1), so the model must learn to separate the pairs to lower it."""
    labels = torch.tensor([1, 1, 0] * 30)
    assert fit_shared_logit("positive", labels) > 0.99
    assert 0.4 < fit_shared_logit("all", labels) < 0.8


@pytest.mark.parametrize("num_labels", [1, 2, 3])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_finite_gradients_at_extreme_logits(num_labels: int, alpha: float):
    logits = torch.tensor([[1e4, -1e4, 0.0][:num_labels], [-1e4, 1e4, 3.0][:num_labels]], requires_grad=True)
    value = dice_loss(logits, torch.tensor([0, 1]), alpha=alpha)
    (grad,) = torch.autograd.grad(value, logits)
    assert torch.isfinite(value) and torch.isfinite(grad).all()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"alpha": -1}, r"^loss=dice: alpha must be in \[0, inf\), got -1$"),
        ({"smooth": 0}, r"^loss=dice: smooth must be in \(0, inf\), got 0$"),
        ({"classes": "negative"}, r"^loss=dice: classes must be one of \['all', 'positive'\], got 'negative'$"),
    ],
)
def test_bad_settings(tiny_model, settings: dict, message: str):
    with pytest.raises(ConfigurationError, match=message):
        build_loss("dice", tiny_model(1), [9, 1], **settings)
