"""Fixtures for the loss tests: one tiny CrossEncoder per head, and the loss options in conf/loss/."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import OmegaConf
from sentence_transformers.cross_encoder import CrossEncoder
from torch import nn

from experiments.config.location import config_dir
from experiments.models import tiny_cross_encoder

# Ranking losses train on anchors with several candidates (tested with their negatives modes in
# tests/negatives); distillation needs a trained teacher (tests/test_ensemble_and_distillation.py).
NOT_POINTWISE = {"mnrl", "listnet", "lambdaloss", "listmle", "distillation"}
LOSS_OPTIONS = sorted(
    path.stem for path in (Path(config_dir()) / "loss").glob("*.yaml") if path.stem not in NOT_POINTWISE
)
HEAD_LABELS = {"binary_sigmoid": 1, "binary_softmax": 2, "multiclass": 3}


def build_loss(name: str, model: CrossEncoder, class_counts: Sequence[int], **overrides: object) -> nn.Module:
    """The loss as the runner builds it: ``instantiate(conf/loss/<name>.yaml, model=..., class_counts=...)``.

    Hydra wraps errors raised by the target; the loss's own error is re-raised so tests match its message.
    """
    cfg = OmegaConf.load(Path(config_dir()) / "loss" / f"{name}.yaml")
    cfg.merge_with(overrides)
    try:
        return instantiate(cfg, model=model, class_counts=list(class_counts))
    except InstantiationException as error:
        raise error.__cause__ from None


@pytest.fixture(scope="session")
def tiny_model() -> Callable[[int], CrossEncoder]:
    """A shared tiny model per ``num_labels``, for tests that build losses but do not train."""
    cache: dict[int, CrossEncoder] = {}

    def get(num_labels: int) -> CrossEncoder:
        if num_labels not in cache:
            torch.manual_seed(0)
            cache[num_labels] = tiny_cross_encoder(num_labels=num_labels)
        return cache[num_labels]

    return get
