from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from experiments.errors import ConfigurationError
from experiments.losses.checks import check_class_counts, check_range, head_name
from experiments.losses.class_weights import (
    class_priors,
    effective_number_weights,
    inverse_frequency_weights,
    normalized_weights,
    positive_weight,
)
from tests.losses.conftest import build_loss


def test_inverse_frequency_is_total_over_count():
    assert inverse_frequency_weights([90, 10]) == pytest.approx([100 / 90, 10.0])
    assert inverse_frequency_weights([1, 2, 5]) == pytest.approx([8.0, 4.0, 1.6])
    assert positive_weight(inverse_frequency_weights([90, 10])) == pytest.approx(9.0)


def test_normalized_weights_average_one_with_a_power():
    assert normalized_weights([90, 10]) == pytest.approx([0.2, 1.8])
    assert normalized_weights([90, 10], power=0.5) == pytest.approx([0.5, 1.5])
    assert normalized_weights([90, 10], power=0.0) == pytest.approx([1.0, 1.0])
    assert sum(normalized_weights([7, 30, 400], power=0.7)) / 3 == pytest.approx(1.0)


def test_effective_number_weights():
    assert effective_number_weights([900, 3], beta=0.0) == pytest.approx([1.0, 1.0])
    # (1 - 0.9) / (1 - 0.9 ** n) = [1, 0.526316], rescaled to sum to 2
    assert effective_number_weights([1, 2], beta=0.9) == pytest.approx([1.310345, 0.689655], rel=1e-6)
    ratio = effective_number_weights([1000, 10], beta=0.999999)
    assert ratio[1] / ratio[0] == pytest.approx(100, rel=1e-2)  # towards inverse frequency


def test_class_priors():
    assert class_priors([3, 1]) == pytest.approx([0.75, 0.25])


def test_head_names():
    assert [head_name(n) for n in (1, 2, 3, 7)] == ["binary_sigmoid", "binary_softmax", "multiclass", "multiclass"]


def test_counts_must_fit_the_head():
    assert check_class_counts("focal", 1, [5, 2]) == [5, 2]
    with pytest.raises(
        ConfigurationError,
        match=r"^loss=focal with head=binary_softmax \(num_labels=2\) needs 2 classes, but the training data has 3 "
        r"\(class_counts=\[5, 2, 1\]\); use head=multiclass$",
    ):
        check_class_counts("focal", 2, [5, 2, 1])
    with pytest.raises(
        ConfigurationError,
        match=r"loss=dice with head=multiclass \(num_labels=3\) needs 3 classes, but the training data has 2 .*"
        r"use head=binary_sigmoid or head=binary_softmax$",
    ):
        check_class_counts("dice", 3, [5, 2])


def test_a_class_without_rows_is_an_error():
    with pytest.raises(
        ConfigurationError,
        match=r"^loss=ghm: class id\(s\) \[1\] have no training rows \(class_counts=\[5, 0\]\); "
        r"their weight or prior would be infinite$",
    ):
        check_class_counts("ghm", 1, [5, 0])


def test_range_messages():
    assert check_range("focal", "gamma", 0, low=0.0, high=None) == 0.0
    with pytest.raises(ConfigurationError, match=r"^loss=focal: gamma must be in \[0, inf\), got -1$"):
        check_range("focal", "gamma", -1, low=0.0, high=None)
    with pytest.raises(ConfigurationError, match=r"^loss=x: y must be in \(0, 1\), got nan$"):
        check_range("x", "y", math.nan, low=0.0, high=1.0, low_open=True)
    with pytest.raises(ConfigurationError, match=r"^loss=x: y must be a number, got 'big'$"):
        check_range("x", "y", "big")


@pytest.mark.parametrize("name", ["inverse_frequency", "normalized", "effective_number"])
def test_weighted_losses_reject_zero_counts(tiny_model, name: str):
    with pytest.raises(ConfigurationError, match=rf"^loss={name}: class id\(s\) \[0\] have no training rows"):
        build_loss(name, tiny_model(2), [0, 4])


def test_infinite_weights_are_an_error(tiny_model):
    with pytest.raises(
        ConfigurationError,
        match=r"^loss=normalized: class weights \[nan, 0\.0\] from "
        r"class_counts=\[1, 1000000\] are not all finite and positive; change the loss settings$",
    ):
        build_loss("normalized", tiny_model(1), [1, 1_000_000], power=1000)


@pytest.mark.parametrize(
    ("name", "overrides", "message"),
    [
        ("normalized", {"power": -0.5}, r"^loss=normalized: power must be in \[0, inf\), got -0\.5$"),
        ("effective_number", {"beta": 1.0}, r"^loss=effective_number: beta must be in \[0, 1\), got 1\.0$"),
        ("effective_number", {"beta": -0.1}, r"^loss=effective_number: beta must be in \[0, 1\), got -0\.1$"),
    ],
)
def test_weighted_loss_settings_are_checked(tiny_model, name: str, overrides: dict, message: str):
    with pytest.raises(ConfigurationError, match=message):
        build_loss(name, tiny_model(2), [9, 1], **overrides)


def test_inverse_frequency_sigmoid_uses_the_count_ratio_as_pos_weight(tiny_model):
    loss = build_loss("inverse_frequency", tiny_model(1), [90, 10])
    assert loss.get_config_dict()["pos_weight"] == pytest.approx(9.0)
    assert loss.get_config_dict()["class_counts"] == [90, 10]
    logits, labels = torch.tensor([0.5, -1.0]), torch.tensor([1.0, 0.0])
    expected = (9 * math.log1p(math.exp(-0.5)) + math.log1p(math.exp(-1.0))) / 2
    assert loss.bce_with_logits_loss(logits, labels).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("num_labels", [2, 3])
def test_weighted_softmax_losses_are_torch_weighted_cross_entropy(tiny_model, num_labels: int):
    counts = [90, 10] if num_labels == 2 else [60, 30, 10]
    loss = build_loss("effective_number", tiny_model(num_labels), counts, beta=0.99)
    weights = effective_number_weights(counts, 0.99)
    assert loss.get_config_dict() == {"class_counts": counts, "class_weights": pytest.approx(weights)}
    logits, labels = torch.randn(6, num_labels), torch.tensor([0, 1, 1, 0, 1, 0])
    expected = F.cross_entropy(logits, labels, weight=torch.tensor(weights, dtype=torch.float32))
    assert loss.ce_loss(logits, labels).item() == pytest.approx(expected.item(), rel=1e-6)
