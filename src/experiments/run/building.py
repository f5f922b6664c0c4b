"""The run's parts built from the Hydra config: any ``_target_`` node, the prepared data, evaluators, the plan.

The runner and the reporting tools that rebuild a run's data from its logged config (the ensemble, the
calibration benchmark) use these, so a run's data is prepared one way only.
"""

from __future__ import annotations

from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import get_object, instantiate
from omegaconf import DictConfig

from experiments.data.splits import DEV, LABEL, PairSplits, query_groups, split_pairs
from experiments.errors import ConfigurationError
from experiments.evaluation import PairClassificationEvaluator
from experiments.heads.base import Head
from experiments.negatives import NegativesMode
from experiments.run.plan import RunPlan, check_plan
from experiments.run.preflight import check_inputs


def build(node: DictConfig, **kwargs: Any) -> Any:
    """``hydra.utils.instantiate``, re-raising a component's :class:`ConfigurationError` as it is.

    Hydra wraps every exception of a ``_target_`` in an ``InstantiationException``; a bad setting
    should read as the component's own one-line message.
    """
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as error:
        if isinstance(error.__cause__, ConfigurationError):
            raise error.__cause__ from None
        raise


def prepare_data(cfg: DictConfig, negatives: NegativesMode | None = None) -> PairSplits:
    """The data source's splits as labelled pairs (before augmentation and sampling)."""
    negatives = negatives or build(cfg.negatives)
    return negatives.prepare(build(cfg.data, seed=cfg.seed))


def build_evaluator(data: PairSplits, split: str, head: Head, cfg: DictConfig) -> PairClassificationEvaluator:
    """The evaluator of one split, with the ``evaluation`` settings."""
    dataset = data.splits()[split]
    return PairClassificationEvaluator(
        pairs=split_pairs(dataset),
        labels=dataset[LABEL],
        head=head,
        label_names=data.label_names,
        name=split,
        primary_metric=cfg.evaluation.select_metric.removeprefix(f"{DEV}_"),
        beta=cfg.evaluation.beta,
        threshold_metric=cfg.evaluation.threshold_metric,
        batch_size=cfg.evaluation.batch_size,
        groups=query_groups(dataset),
    )


def plan_run(cfg: DictConfig, data: PairSplits | None = None) -> RunPlan:
    """Data, negatives mode and head, checked against the loss and the select metric: all before a model exists."""
    check_inputs(cfg)  # the data files and the model folder, before anything is read
    negatives: NegativesMode = build(cfg.negatives)
    data = prepare_data(cfg, negatives) if data is None else data
    plan = RunPlan(negatives, data, build(cfg.head))
    dev_evaluator = build_evaluator(data, DEV, plan.head, cfg)
    return check_plan(plan, get_object(cfg.loss._target_), dev_evaluator, cfg.evaluation.select_metric)
