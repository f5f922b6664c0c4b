"""Typed schemas of the config groups whose keys are fixed, and the range checks of their values.

The YAML files extend these schemas (``defaults: [trainer_schema, _self_]``), so a misspelt key or a
value of the wrong type fails when Hydra composes the config, with Hydra's own message. Values live
in the YAML files only: every schema field is ``MISSING`` here. Range checks (a positive number of
epochs, a known threshold metric, ...) are declared once in :data:`CONSTRAINTS` and run by
:func:`check_config` before anything is loaded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from experiments.config.trainer_arguments import check_extra_args
from experiments.errors import ConfigurationError
from experiments.evaluation.direction import LOWER_IS_BETTER, lower_is_better
from experiments.evaluation.thresholds import THRESHOLD_METRICS
from experiments.precision import PRECISIONS


@dataclass
class TrainerConfig:
    """``trainer``: arguments of :func:`experiments.run.training.training_arguments`."""

    epochs: int = MISSING
    batch_size: int = MISSING
    learning_rate: float = MISSING
    warmup_ratio: float = MISSING
    weight_decay: float = MISSING
    max_grad_norm: float = MISSING
    precision: str = MISSING
    save_checkpoints: bool = MISSING
    dataloader_num_workers: int = MISSING
    group_by_length: bool = MISSING
    length_chunk_batches: int = MISSING
    time_budget_minutes: float | None = MISSING
    extra_args: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvaluationConfig:
    """``evaluation``: model selection on dev and the threshold the saved model uses."""

    select_metric: str = MISSING
    threshold_metric: str = MISSING
    beta: float = MISSING
    batch_size: int = MISSING
    early_stopping_patience: int | None = MISSING


@dataclass
class TrackingConfig:
    """``tracking``: arguments of :class:`experiments.tracking.MlflowTracker`."""

    _target_: str = MISSING
    tracking_uri: str = MISSING
    experiment_name: str = MISSING
    health_timeout: float = MISSING
    log_model: bool = MISSING
    register_model: str | None = MISSING


@dataclass
class PretrainedModelConfig:
    """``model`` options loading a backbone by hub name or path (:func:`experiments.models.load_cross_encoder`)."""

    _target_: str = MISSING
    name: str = MISSING
    max_length: int | None = MISSING
    device: str | None = None


@dataclass
class TinyModelConfig:
    """``model=tiny``: :func:`experiments.models.tiny_cross_encoder`."""

    _target_: str = MISSING
    name: str = MISSING
    max_length: int = MISSING
    hidden_size: int = MISSING
    num_hidden_layers: int = MISSING
    num_attention_heads: int = MISSING
    intermediate_size: int = MISSING
    device: str | None = None


@dataclass
class RunConfig:
    """The root of ``train.yaml``: run-level keys; the groups are typed by their own schemas or left open."""

    seed: int = MISSING
    output_dir: str = MISSING
    keep_checkpoints: bool = MISSING
    resume: Any = MISSING  # true, false or auto
    fail_fast: bool = MISSING
    cv: Any = MISSING
    data: Any = MISSING
    model: Any = MISSING
    head: Any = MISSING
    loss: Any = MISSING
    sampling: Any = MISSING
    negatives: Any = MISSING
    regularization: Any = MISSING
    augmentation: Any = MISSING
    trainer: Any = MISSING
    evaluation: Any = MISSING
    calibration: Any = MISSING
    tracking: Any = MISSING
    pruner: Any = None  # an optuna pruner for the trials of a shared search (conf/pruner)


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore; call before composing ``train.yaml``.

    They are stored outside the config groups (a group option ``model/tiny_schema`` would be offered by
    ``--help`` and could be chosen on the command line); a group's YAML extends its schema with
    ``defaults: [/trainer_schema@_here_, _self_]``.
    """
    store = ConfigStore.instance()
    store.store(name="train_schema", node=RunConfig)
    store.store(name="trainer_schema", node=TrainerConfig)
    store.store(name="evaluation_schema", node=EvaluationConfig)
    store.store(name="tracking_schema", node=TrackingConfig)
    store.store(name="pretrained_schema", node=PretrainedModelConfig)
    store.store(name="tiny_schema", node=TinyModelConfig)


@dataclass(frozen=True)
class Constraint:
    """A rule on one config key: ``test(value)`` must hold, else the message says ``must ...``."""

    key: str
    test: Callable[[Any], bool]
    must: str


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("seed", lambda v: 0 <= v <= 2**32 - 1, "be an integer in 0..4294967295 (2**32 - 1, numpy's range)"),
    Constraint("resume", lambda v: v in (True, False, "auto"), "be true, false or auto"),
    Constraint("cv.folds", lambda v: v is None or v >= 2, "be null or an integer of at least 2"),
    Constraint("trainer.epochs", lambda v: v >= 1, "be a positive integer"),
    Constraint("trainer.batch_size", lambda v: v >= 1, "be a positive integer"),
    Constraint("trainer.learning_rate", lambda v: v > 0, "be positive"),
    Constraint("trainer.warmup_ratio", lambda v: 0 <= v < 1, "be in [0, 1)"),
    Constraint("trainer.weight_decay", lambda v: v >= 0, "be non-negative"),
    Constraint("trainer.max_grad_norm", lambda v: v > 0, "be positive"),
    Constraint("trainer.length_chunk_batches", lambda v: v >= 1, "be a positive integer"),
    Constraint("trainer.dataloader_num_workers", lambda v: v >= 0, "be non-negative"),
    Constraint("trainer.time_budget_minutes", lambda v: v is None or v > 0, "be null or a positive number of minutes"),
    Constraint("trainer.precision", lambda v: v in PRECISIONS, f"be one of {list(PRECISIONS)}"),
    Constraint("evaluation.select_metric", lambda v: v.startswith("dev_"), "name a dev metric such as dev_f1"),
    Constraint(
        "evaluation.select_metric",
        lambda v: not lower_is_better(v),
        f"name a higher-is-better metric; {sorted(LOWER_IS_BETTER)} are lower-is-better and cannot select the epoch",
    ),
    Constraint("evaluation.threshold_metric", lambda v: v in THRESHOLD_METRICS, f"be one of {list(THRESHOLD_METRICS)}"),
    Constraint("evaluation.beta", lambda v: v > 0, "be positive"),
    Constraint("evaluation.batch_size", lambda v: v >= 1, "be a positive integer"),
    Constraint("tracking.health_timeout", lambda v: v > 0, "be positive"),
)


def _unknown_keys(node: DictConfig, prefix: str = "") -> list[str]:
    """Keys of a schema-typed node that its schema lacks (added with ``+key=value``, which bypasses the schema)."""
    schema = OmegaConf.get_type(node)
    if not dataclasses.is_dataclass(schema):
        return []
    known = {item.name for item in dataclasses.fields(schema)}
    unknown = [f"{prefix}{key}" for key in node if key not in known and key != "hydra"]
    for key in known & set(node.keys()):
        child = node._get_node(key)
        if isinstance(child, DictConfig) and not child._is_missing() and not child._is_none():
            unknown += _unknown_keys(child, f"{prefix}{key}.")
    return unknown


def check_config(cfg: DictConfig, constraints: tuple[Constraint, ...] = CONSTRAINTS) -> None:
    """Raise :class:`ConfigurationError` naming the first unknown key or the first value out of range."""
    unknown = _unknown_keys(cfg)
    if unknown:
        raise ConfigurationError(f"unknown config key(s) {unknown}: check the spelling against conf/")
    extra_args = OmegaConf.select(cfg, "trainer.extra_args", default=None)
    if extra_args:
        check_extra_args(OmegaConf.to_container(extra_args))
    for constraint in constraints:
        value = OmegaConf.select(cfg, constraint.key, default=None)
        if value is not None and not constraint.test(value):
            raise ConfigurationError(f"{constraint.key} must {constraint.must}, got {value!r}")
