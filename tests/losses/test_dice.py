from __future__ import annotations

import pytest
import torch

from experiments.errors import ConfigurationError
from experiments.losses import dice_loss
from tests.losses.conftest import build_loss


@pytest.mark.parametrize("num_labels", [1, 2])
def test_binary_by_hand(num_labels: int):
    logits, labels = torch.zeros(2, num_labels), torch.tensor([1, 0])
    # p = 0.5 for both: (2 * 0.5 + 1) / (1 + 1 + 1) = 2/3
    assert dice_loss(logits, labels, alpha=0.0, smooth=1.0).item() == pytest.approx(1 / 3, rel=1e-6)
    # self-adjusting alpha = 1: q = 0.25 each: (0.5 + 1) / (0.5 + 1 + 1) = 0.6
    assert dice_loss(logits, labels, alpha=1.0, smooth=1.0).item() == pytest.approx(0.4, rel=1e-6)


def test_multiclass_by_hand():
    # p = 1/3 everywhere; classes 0 and 1: 1 - (2/3 + 1) / (2/3 + 1 + 1) = 3/8; class 2: 1 - 1 / (2/3 + 1) = 2/5
    loss = dice_loss(torch.zeros(2, 3), torch.tensor([0, 1]), alpha=0.0, smooth=1.0)
    assert loss.item() == pytest.approx((3 / 8 + 3 / 8 + 2 / 5) / 3, rel=1e-6)


def test_perfect_predictions_give_zero():
    logits = torch.tensor([[50.0], [-50.0]])
    assert dice_loss(logits, torch.tensor([1, 0]), smooth=1e-3).item() == pytest.approx(0.0, abs=1e-6)


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
    ],
)
def test_bad_settings(tiny_model, settings: dict, message: str):
    with pytest.raises(ConfigurationError, match=message):
        build_loss("dice", tiny_model(1), [9, 1], **settings)
