from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from experiments.errors import ConfigurationError
from experiments.losses import logit_adjusted_loss
from tests.losses.conftest import build_loss

PRIORS = torch.tensor([0.75, 0.25])


def test_by_hand_sigmoid_equals_two_logit_form():
    # logits + log prior = [log 0.75, log 0.25]: -log softmax(.)[1] = log 4
    two = logit_adjusted_loss(torch.zeros(1, 2), torch.tensor([1]), PRIORS, tau=1.0)
    one = logit_adjusted_loss(torch.zeros(1, 1), torch.tensor([1]), PRIORS, tau=1.0)
    assert two.item() == pytest.approx(math.log(4), rel=1e-6)
    assert one.item() == pytest.approx(math.log(4), rel=1e-6)


def test_tau_zero_is_cross_entropy():
    logits, labels = torch.randn(5, 3), torch.tensor([0, 1, 2, 2, 0])
    priors = torch.tensor([0.6, 0.3, 0.1])
    assert logit_adjusted_loss(logits, labels, priors, 0.0).item() == pytest.approx(
        F.cross_entropy(logits, labels).item(), rel=1e-6
    )


@pytest.mark.parametrize("num_labels", [1, 2, 3])
def test_finite_gradients_at_extreme_logits(tiny_model, num_labels: int):
    loss = build_loss("logit_adjusted", tiny_model(num_labels), [1000, 1, 5][: max(num_labels, 2)])
    logits = torch.tensor([[1e4, -1e4, 0.0][:num_labels], [-1e4, 1e4, 3.0][:num_labels]], requires_grad=True)
    value = loss.compute(logits, torch.tensor([0, 1]))
    (grad,) = torch.autograd.grad(value, logits)
    assert torch.isfinite(value) and torch.isfinite(grad).all()


def test_priors_are_logged(tiny_model):
    loss = build_loss("logit_adjusted", tiny_model(2), [3, 1], tau=0.5)
    assert loss.get_config_dict() == {"class_counts": [3, 1], "tau": 0.5, "priors": [0.75, 0.25]}


def test_negative_tau(tiny_model):
    with pytest.raises(ConfigurationError, match=r"^loss=logit_adjusted: tau must be in \[0, inf\), got -1\.0$"):
        build_loss("logit_adjusted", tiny_model(1), [3, 1], tau=-1.0)
