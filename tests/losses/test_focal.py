from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from experiments.errors import ConfigurationError
from experiments.losses import FocalLoss, focal_loss
from experiments.losses.class_weights import normalized_weights
from tests.losses.conftest import build_loss


def test_sigmoid_form_by_hand():
    # p_t = 0.5 -> 0.25 * log 2; p_t = 0.75 -> 0.0625 * -log 0.75
    logits, labels = torch.tensor([[0.0], [math.log(3.0)]]), torch.tensor([1, 1])
    expected = (0.25 * math.log(2) + 0.0625 * -math.log(0.75)) / 2
    assert focal_loss(logits, labels, gamma=2.0).item() == pytest.approx(expected, rel=1e-6)
    # label 0 with logit -log 3: p_t = 0.75 as well
    assert focal_loss(torch.tensor([[-math.log(3.0)]]), torch.tensor([0]), 2.0).item() == pytest.approx(
        0.0625 * -math.log(0.75), rel=1e-6
    )


def test_softmax_form_by_hand():
    logits, labels = torch.zeros(1, 3), torch.tensor([0])
    assert focal_loss(logits, labels, gamma=2.0).item() == pytest.approx((2 / 3) ** 2 * math.log(3), rel=1e-6)


@pytest.mark.parametrize("num_labels", [2, 3])
def test_gamma_zero_is_weighted_cross_entropy(num_labels: int):
    torch.manual_seed(0)
    logits, labels = torch.randn(8, num_labels) * 3, torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])
    weights = torch.tensor([0.3, 1.7, 1.0][:num_labels])
    assert focal_loss(logits, labels, 0.0).item() == pytest.approx(F.cross_entropy(logits, labels).item(), rel=1e-6)
    expected = F.cross_entropy(logits, labels, weight=weights).item()
    assert focal_loss(logits, labels, 0.0, weights).item() == pytest.approx(expected, rel=1e-6)


def test_gamma_zero_sigmoid_is_weighted_bce():
    torch.manual_seed(0)
    logits, labels = torch.randn(8, 1) * 3, torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])
    weights = torch.tensor([0.3, 1.7])
    per_example = F.binary_cross_entropy_with_logits(logits.view(-1), labels.float(), reduction="none")
    expected = (weights[labels] * per_example).sum() / weights[labels].sum()
    assert focal_loss(logits, labels, 0.0, weights).item() == pytest.approx(expected.item(), rel=1e-6)
    plain = F.binary_cross_entropy_with_logits(logits.view(-1), labels.float()).item()
    assert focal_loss(logits, labels, 0.0).item() == pytest.approx(plain, rel=1e-6)


@pytest.mark.parametrize("num_labels", [1, 2, 3])
@pytest.mark.parametrize("gamma", [0.0, 0.3, 2.0])
def test_finite_values_and_gradients_at_extreme_logits(num_labels: int, gamma: float):
    logits = torch.tensor([[1e4, -1e4, 0.0][:num_labels], [-1e4, 1e4, 5.0][:num_labels]], requires_grad=True)
    for labels in (torch.tensor([0, 1]), torch.tensor([1, 0])):
        loss = focal_loss(logits, labels, gamma, torch.tensor([0.25, 0.75, 1.0][: max(num_labels, 2)]))
        (grad,) = torch.autograd.grad(loss, logits)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()


def test_alpha_options(tiny_model):
    assert FocalLoss(tiny_model(1), [90, 10], alpha=0.25).alpha == pytest.approx([0.75, 0.25])
    assert FocalLoss(tiny_model(2), [90, 10], alpha="class_weights").alpha == pytest.approx([0.2, 1.8])
    loss = build_loss("focal", tiny_model(3), [60, 30, 10], alpha="class_weights", gamma=1.5)
    assert loss.get_config_dict() == {
        "class_counts": [60, 30, 10],
        "gamma": 1.5,
        "alpha": pytest.approx(normalized_weights([60, 30, 10])),
    }
    assert build_loss("focal", tiny_model(3), [6, 3, 1], alpha=[1, 2, 3]).alpha == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("num_labels", "counts", "settings", "message"),
    [
        (1, [9, 1], {"gamma": -0.5}, r"^loss=focal: gamma must be in \[0, inf\), got -0\.5$"),
        (
            3,
            [5, 3, 2],
            {"alpha": 0.25},
            r"^loss=focal with head=multiclass: a single alpha=0\.25 weights the positive class of binary data; "
            r"use head=binary_sigmoid or head=binary_softmax, or a list of 3 weights or alpha=class_weights$",
        ),
        (1, [9, 1], {"alpha": 1.0}, r"^loss=focal: alpha must be in \(0, 1\), got 1\.0$"),
        (2, [9, 1], {"alpha": "balanced"}, r"^loss=focal: alpha must be null, a number, a list or 'class_weights'"),
        (2, [9, 1], {"alpha": [1.0, 2.0, 3.0]}, r"^loss=focal: alpha has 3 weights, but the data has 2 classes$"),
        (2, [9, 1], {"alpha": [1.0, -2.0]}, r"^loss=focal: class weights \[1\.0, -2\.0\] from class_counts"),
    ],
)
def test_bad_settings(tiny_model, num_labels: int, counts: list[int], settings: dict, message: str):
    with pytest.raises(ConfigurationError, match=message):
        build_loss("focal", tiny_model(num_labels), counts, **settings)
