"""The one pipeline: seed → data → negatives → sampling → model/head → loss → evaluator → trainer → test → log.

This is the only module that reads the Hydra config; every component it builds takes plain arguments.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import transformers
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from experiments.data.splits import LABEL, TEXT_A, TEXT_B, PairSplits, class_counts, fingerprint
from experiments.decision import DecisionRule, save_classifier
from experiments.errors import ConfigurationError
from experiments.evaluation import THRESHOLD_METRICS, PairClassificationEvaluator, binary_metrics_at
from experiments.evaluation.metrics import multiclass_metrics
from experiments.heads.base import Head
from experiments.sampling import EpochSampler, batch_sampler_factory
from experiments.tracking import EpochMetricsLogger, MlflowTracker
from experiments.training import GuardedCrossEncoderTrainer, training_arguments

logger = logging.getLogger(__name__)

DEV, TEST = "dev", "test"


def hydra_context() -> dict[str, str]:
    """Group choices, overrides and sweep membership of the current Hydra job, as MLflow tags."""
    if not HydraConfig.initialized():
        return {}
    hydra = HydraConfig.get()
    tags = {
        group: str(choice)
        for group, choice in hydra.runtime.choices.items()
        if choice is not None and not group.startswith("hydra")
    }
    tags["overrides"] = " ".join(hydra.overrides.task)
    if hydra.mode == RunMode.MULTIRUN:
        tags["sweep_id"] = str(hydra.sweep.dir)
        tags["sweep_job"] = str(hydra.job.num)
    return tags


def run_name(cfg: DictConfig, tags: dict[str, str]) -> str:
    parts = [tags.get(group) for group in ("loss", "sampling", "negatives", "head")]
    return "-".join(part for part in parts if part) + f"-seed{cfg.seed}" if any(parts) else f"seed{cfg.seed}"


def split_pairs(dataset: Any) -> list[tuple[str, str]]:
    return list(zip(dataset[TEXT_A], dataset[TEXT_B], strict=True))


def data_summary(data: PairSplits) -> dict[str, float]:
    """Rows read and used, and the class distribution, of every split."""
    summary: dict[str, float] = {}
    for split, dataset in data.splits().items():
        counts = class_counts(dataset[LABEL], data.num_classes)
        summary[f"data_{split}_rows"] = float(len(dataset))
        if split in data.rows_read:
            summary[f"data_{split}_rows_read"] = float(data.rows_read[split])
        for name, count in zip(data.label_names, counts, strict=True):
            summary[f"data_{split}_count_{name}"] = float(count)
            summary[f"data_{split}_share_{name}"] = count / max(len(dataset), 1)
    return summary


def select_best_epoch(history: list[dict[str, float]], select_metric: str) -> dict[str, float]:
    """The first epoch with the highest ``select_metric`` (the trainer's own rule)."""
    if not history:
        raise RuntimeError("training finished without a single evaluation")
    values = np.array([record[select_metric] for record in history], dtype=np.float64)
    return history[int(np.nanargmax(values))]


def test_metrics(
    evaluator: PairClassificationEvaluator,
    scores: np.ndarray,
    best: dict[str, float],
    beta: float,
    threshold_metric: str,
) -> dict[str, float]:
    """Test metrics at the thresholds chosen on dev at the best epoch (never re-tuned on test)."""
    if not evaluator.head.binary:
        return multiclass_metrics(scores, evaluator.labels, evaluator.label_names)
    thresholds = {metric: best[f"{DEV}_{metric}_threshold"] for metric in THRESHOLD_METRICS}
    metrics = binary_metrics_at(scores, evaluator.labels, thresholds, beta, threshold_metric)
    if evaluator.groups is not None:
        from experiments.evaluation.metrics import ranking_metrics

        metrics.update(ranking_metrics(scores, evaluator.labels, evaluator.groups))
    return metrics


def build_evaluator(data: PairSplits, split: str, head: Head, cfg: DictConfig) -> PairClassificationEvaluator:
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
        groups=dataset["group"] if "group" in dataset.column_names else None,
    )


def check_select_metric(evaluator: PairClassificationEvaluator, select_metric: str) -> None:
    """Fail before training when the evaluator will not compute ``select_metric``."""
    probe = np.linspace(0.0, 1.0, len(evaluator.labels))
    if not evaluator.head.binary:
        probe = np.full((len(evaluator.labels), len(evaluator.label_names)), 1.0 / len(evaluator.label_names))
    available = sorted(f"{DEV}_{key}" for key in evaluator.compute_metrics(probe))
    if select_metric not in available:
        raise ConfigurationError(f"evaluation.select_metric={select_metric!r} is not computed; choose one of {available}")


def check_run_config(cfg: DictConfig) -> None:
    """Checks that need no data: the keys the runner itself reads."""
    if not str(cfg.evaluation.select_metric).startswith(f"{DEV}_"):
        raise ConfigurationError(
            f"evaluation.select_metric must name a dev metric such as dev_f1, got {cfg.evaluation.select_metric!r}"
        )
    if cfg.evaluation.threshold_metric not in THRESHOLD_METRICS:
        raise ConfigurationError(
            f"evaluation.threshold_metric must be one of {list(THRESHOLD_METRICS)}, "
            f"got {cfg.evaluation.threshold_metric!r}"
        )
    if not cfg.evaluation.beta > 0:
        raise ConfigurationError(f"evaluation.beta must be positive, got {cfg.evaluation.beta!r}")
    output_dir = Path(cfg.output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise ConfigurationError(f"output_dir={str(output_dir)!r} cannot be written: {error}") from error


def train(cfg: DictConfig) -> dict[str, float]:
    """Train, select the best epoch on dev, evaluate on test, log it all to MLflow; return the summary."""
    check_run_config(cfg)
    transformers.set_seed(cfg.seed)
    tags = hydra_context()
    tracker: MlflowTracker = instantiate(cfg.tracking, run_name=run_name(cfg, tags), tags=tags)
    with tracker:
        resolved = OmegaConf.to_container(cfg, resolve=True)
        tracker.log_params(resolved)  # type: ignore[arg-type]
        tracker.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config/resolved.yaml")
        return _run(cfg, tracker)


def _run(cfg: DictConfig, tracker: MlflowTracker) -> dict[str, float]:
    data: PairSplits = instantiate(cfg.data, seed=cfg.seed)
    data = instantiate(cfg.negatives).prepare(data)
    tracker.log_metrics(data_summary(data))
    tracker.set_tags({f"data_fingerprint_{split}": fingerprint(d) for split, d in data.splits().items()})
    tracker.log_dict({"label_names": data.label_names}, "data/labels.json")

    sampler: EpochSampler = instantiate(cfg.sampling, random_state=cfg.seed)
    sampler.fit(data.train[LABEL], data.num_classes)
    counts = sampler.epoch_class_counts(0)
    tracker.log_params({"loss_class_counts": counts})

    head: Head = instantiate(cfg.head)
    model = instantiate(cfg.model, num_labels=head.num_labels(data.num_classes))
    loss = instantiate(cfg.loss, model=model, class_counts=counts)
    tracker.log_params({"loss_config": getattr(loss, "get_config_dict", dict)()})
    dev_evaluator = build_evaluator(data, DEV, head, cfg)
    check_select_metric(dev_evaluator, cfg.evaluation.select_metric)

    checkpoints = Path(cfg.output_dir) / "checkpoints"
    epoch_logger = EpochMetricsLogger(tracker, extra_metrics=sampler.epoch_metrics)
    trainer = GuardedCrossEncoderTrainer(
        model=model,
        args=training_arguments(
            output_dir=str(checkpoints),
            seed=cfg.seed,
            select_metric=cfg.evaluation.select_metric,
            batch_sampler=batch_sampler_factory(sampler),
            **OmegaConf.to_container(cfg.trainer, resolve=True),  # type: ignore[arg-type]
        ),
        train_dataset=instantiate(cfg.negatives).train_dataset(data.train),
        loss=loss,
        evaluator=dev_evaluator,
        callbacks=[epoch_logger],
    )
    trainer.train()

    best = select_best_epoch(epoch_logger.history, cfg.evaluation.select_metric)
    best_epoch = int(best["epoch"])
    if not cfg.trainer.save_checkpoints and best_epoch != len(epoch_logger.history):
        logger.warning("trainer.save_checkpoints=false: testing the last epoch, not the best (%d)", best_epoch)
    summary = {f"best_{key}": value for key, value in best.items() if key.startswith(f"{DEV}_")}
    summary["best_epoch"] = float(best_epoch)

    test_evaluator = build_evaluator(data, TEST, head, cfg)
    test_scores = head.scores(model, test_evaluator.pairs, cfg.evaluation.batch_size)
    test = test_metrics(test_evaluator, test_scores, best, cfg.evaluation.beta, cfg.evaluation.threshold_metric)
    summary.update({f"{TEST}_{key}": value for key, value in test.items()})
    tracker.log_metrics(summary)

    threshold_metric = cfg.evaluation.threshold_metric if head.binary else None
    rule = DecisionRule(
        head=head.name,
        label_names=data.label_names,
        threshold=best[f"{DEV}_{threshold_metric}_threshold"] if threshold_metric else None,
        threshold_metric=threshold_metric,
        best_epoch=best_epoch,
        select_metric=cfg.evaluation.select_metric,
    )
    model_dir = save_classifier(model, head, rule, Path(cfg.output_dir) / "model")
    tracker.set_tags({"model_dir": str(model_dir.resolve())})
    if not cfg.keep_checkpoints:
        shutil.rmtree(checkpoints, ignore_errors=True)
    logger.info("Best epoch %d: %s", best_epoch, {k: round(v, 4) for k, v in summary.items()})
    return summary
