"""What a run can check once its data is read and before a model is loaded: the plan of a run.

The runner builds the negatives mode, the prepared splits and the head, and asks :func:`check_plan`
whether the chosen loss reads the training rows the negatives mode makes and whether the selection
metric is one the dev evaluator computes. A single run does this before its MLflow run and model
exist, so a bad combination costs seconds and leaves nothing behind.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn

from experiments.data.splits import DEV, PairSplits
from experiments.errors import ConfigurationError
from experiments.evaluation import PairClassificationEvaluator
from experiments.evaluation.metrics import COUNT_METRICS
from experiments.heads.base import Head
from experiments.negatives import NegativesMode


@dataclass(frozen=True)
class RunPlan:
    """The parts of a run that need no model: the negatives mode, its prepared splits and the head."""

    negatives: NegativesMode
    data: PairSplits
    head: Head


def loss_class(factory: Callable[..., Any] | type) -> type[nn.Module] | None:
    """The loss class a ``loss`` option builds: the class itself, or its factory's return annotation.

    None when that is unknown or only ``nn.Module`` (the built loss is checked once the model exists).
    """
    if isinstance(factory, type):
        built = factory
    else:
        try:
            built = typing.get_type_hints(factory).get("return")
        except (NameError, TypeError):
            return None
    if not isinstance(built, type) or not issubclass(built, nn.Module) or built is nn.Module:
        return None
    return built


def selectable_metrics(evaluator: PairClassificationEvaluator) -> list[str]:
    """The dev metrics that can select the best epoch: what the evaluator computes, less thresholds and counts."""
    probe = np.linspace(0.0, 1.0, len(evaluator.labels))
    if not evaluator.head.binary:
        probe = np.full((len(evaluator.labels), len(evaluator.label_names)), 1.0 / len(evaluator.label_names))
    return sorted(
        f"{DEV}_{key}"
        for key in evaluator.compute_metrics(probe)
        if not key.endswith("_threshold") and key not in COUNT_METRICS
    )


def check_select_metric(evaluator: PairClassificationEvaluator, select_metric: str) -> None:
    """Fail before training when ``select_metric`` is not a dev metric that can select an epoch."""
    available = selectable_metrics(evaluator)
    if select_metric not in available:
        raise ConfigurationError(
            f"evaluation.select_metric={select_metric!r} is not a metric that selects the best epoch here; "
            f"choose one of {available}"
        )


def check_plan(
    plan: RunPlan,
    loss_factory: Callable[..., Any] | type,
    dev_evaluator: PairClassificationEvaluator,
    select_metric: str,
) -> RunPlan:
    """``plan`` unchanged, or a :class:`ConfigurationError` on the first thing that does not fit.

    Checks the head against the number of classes, the loss against the negatives mode (when the
    loss class is known before it is built) and ``select_metric`` against the dev metrics.
    """
    plan.head.check_classes(plan.data.num_classes, plan.data.label_names)
    built = loss_class(loss_factory)
    if built is not None:
        plan.negatives.check_loss(built)
    check_select_metric(dev_evaluator, select_metric)
    return plan
