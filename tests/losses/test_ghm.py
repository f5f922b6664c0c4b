from __future__ import annotations

import math

import pytest
import torch

from experiments.errors import ConfigurationError
from experiments.losses import GHMLoss, ghm_c_loss, ghm_weights
from experiments.losses.ghm import gradient_norms
from tests.losses.conftest import build_loss


def logit(p: float) -> float:
    return math.log(p / (1 - p))


# labels [1, 1, 1, 0] with p = [0.95, 0.93, 0.15, 0.45]: g = [0.05, 0.07, 0.85, 0.45], bins 0, 0, 8, 4;
# N = 4, 3 occupied bins: beta = 4 / (R * 3) = [2/3, 2/3, 4/3, 4/3]
PROBS, LABELS = [0.95, 0.93, 0.15, 0.45], torch.tensor([1, 1, 1, 0])
WEIGHTS = [2 / 3, 2 / 3, 4 / 3, 4 / 3]


def sigmoid_logits() -> torch.Tensor:
    return torch.tensor([[logit(p)] for p in PROBS])


def softmax_logits() -> torch.Tensor:  # two logits [0, z]: softmax(.)[1] = sigmoid(z)
    return torch.tensor([[0.0, logit(p)] for p in PROBS])


@pytest.mark.parametrize("logits", [sigmoid_logits(), softmax_logits()], ids=["sigmoid", "softmax"])
def test_weights_of_a_batch_with_known_gradient_norms(logits: torch.Tensor):
    norms = gradient_norms(logits, LABELS)
    assert norms.tolist() == pytest.approx([0.05, 0.07, 0.85, 0.45], abs=1e-6)
    assert ghm_weights(norms, bins=10).tolist() == pytest.approx(WEIGHTS)
    cross_entropy = [-math.log(0.95), -math.log(0.93), -math.log(0.15), -math.log(0.55)]
    expected = sum(w * ce for w, ce in zip(WEIGHTS, cross_entropy, strict=True)) / 4
    assert ghm_c_loss(logits, LABELS, ghm_weights(norms, 10)).item() == pytest.approx(expected, rel=1e-5)


def test_multiclass_gradient_norm_is_one_minus_true_probability():
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1], [0.7, 0.2, 0.1]]))
    assert gradient_norms(logits, torch.tensor([0, 2])).tolist() == pytest.approx([0.3, 0.9])


def test_momentum_is_bias_corrected(tiny_model):
    loss = GHMLoss(tiny_model(1), [3, 1], bins=10, momentum=0.5)
    first = gradient_norms(sigmoid_logits(), LABELS)
    # the first batch gets exactly its own weights, not weights inflated by 1 / (1 - momentum)
    assert ghm_weights(first, 10, loss.smoothed_bin_counts(first)).tolist() == pytest.approx(WEIGHTS)
    # second batch: all four in bin 0; EMA 0.5 * 1 + 0.5 * 4 = 2.5, corrected by 1 - 0.5 ** 2 -> 10 / 3
    second = torch.full((4,), 0.01)
    assert ghm_weights(second, 10, loss.smoothed_bin_counts(second)).tolist() == pytest.approx([1.2] * 4)
    assert loss.bin_updates.tolist() == [2, 0, 0, 0, 1, 0, 0, 0, 1, 0]


def test_no_update_without_gradients(tiny_model):
    loss = GHMLoss(tiny_model(2), [3, 1], momentum=0.9)
    with torch.no_grad():
        loss.compute(softmax_logits(), LABELS)
    assert loss.bin_updates.sum().item() == 0


@pytest.mark.parametrize("num_labels", [1, 2, 3])
def test_finite_gradients_at_extreme_logits(tiny_model, num_labels: int):
    loss = GHMLoss(tiny_model(num_labels), [3, 1, 1][: max(num_labels, 2)])
    logits = torch.tensor([[1e4, -1e4, 0.0][:num_labels], [-1e4, 1e4, 3.0][:num_labels]], requires_grad=True)
    value = loss.compute(logits, torch.tensor([0, 1]))
    (grad,) = torch.autograd.grad(value, logits)
    assert torch.isfinite(value) and torch.isfinite(grad).all()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"bins": 0}, r"^loss=ghm: bins must be a positive integer, got 0$"),
        ({"bins": 2.5}, r"^loss=ghm: bins must be a positive integer, got 2\.5$"),
        ({"momentum": 1.0}, r"^loss=ghm: momentum must be in \[0, 1\), got 1\.0$"),
    ],
)
def test_bad_settings(tiny_model, settings: dict, message: str):
    with pytest.raises(ConfigurationError, match=message):
        build_loss("ghm", tiny_model(1), [9, 1], **settings)
