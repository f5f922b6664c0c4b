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
from hydra.errors import InstantiationException
from hydra.types import RunMode
from hydra.utils import get_object, instantiate
from omegaconf import DictConfig, OmegaConf

from experiments.calibration import Calibrator, effective_class_counts, fit_calibration, uncalibrated_metrics
from experiments.config import check_config
from experiments.data.splits import (
    DEV,
    LABEL,
    TEST,
    TEXT_A,
    TEXT_B,
    PairSplits,
    class_counts,
    class_keys,
    column,
    fingerprint,
    labels_record,
    query_groups,
)
from experiments.distributed import is_main_process
from experiments.errors import ConfigurationError
from experiments.evaluation import (
    THRESHOLD_METRICS,
    PairClassificationEvaluator,
    binary_metrics_at,
    multiclass_metrics,
    ranking_metrics,
)
from experiments.evaluation.report import FOLDER, evaluation_figures, reliability_figures, threshold_table
from experiments.heads.base import Head
from experiments.models.decision import DecisionRule, save_classifier
from experiments.models.precision import autocast, resolve_precision
from experiments.negatives import NegativesMode
from experiments.run.console import run_summary
from experiments.run.cross_validation import cross_validate
from experiments.run.pinned_config import pin_run_config
from experiments.run.plan import RunPlan, check_plan
from experiments.run.preflight import check_inputs
from experiments.run.signals import terminate_gracefully
from experiments.run.training import (
    GuardedCrossEncoderTrainer,
    StopOnSignal,
    early_stopping,
    last_checkpoint,
    time_budget,
    timing_metrics,
    training_arguments,
)
from experiments.sampling import EpochSampler, pair_lengths
from experiments.tracking import EpochMetricsLogger, MlflowTracker, flatten
from experiments.tracking.credentials import redact_config
from experiments.tracking.datasets import split_inputs, split_rows
from experiments.tracking.description import run_note
from experiments.tracking.names import run_name
from experiments.tracking.provenance import provenance_tags
from experiments.tracking.tags import NOTE_TAG, override_params, sweep_parent_tags

logger = logging.getLogger(__name__)

# In output_dir: the MLflow run id, so that ``resume=true`` continues the same run.
RUN_ID_FILE = "mlflow_run_id"


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
        tags.update(sweep_parent_tags(hydra.sweep.dir))
    return tags


def split_pairs(dataset: Any) -> list[tuple[str, str]]:
    return list(zip(column(dataset, TEXT_A), column(dataset, TEXT_B), strict=True))


def data_summary(data: PairSplits) -> dict[str, float]:
    """Rows read and used, and the class distribution, of every split."""
    summary: dict[str, float] = {}
    for split, dataset in data.splits().items():
        counts = class_counts(dataset[LABEL], data.num_classes)
        summary[f"data_{split}_rows"] = float(len(dataset))
        if split in data.rows_read:
            summary[f"data_{split}_rows_read"] = float(data.rows_read[split])
        if split in data.rows_filtered:
            summary[f"data_{split}_rows_filtered"] = float(data.rows_filtered[split])
        for name, count in zip(class_keys(data.label_names), counts, strict=True):
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
        groups=query_groups(dataset),
    )


def prepare_data(cfg: DictConfig, negatives: NegativesMode | None = None) -> PairSplits:
    """The data source's splits as labelled pairs (before augmentation and sampling)."""
    negatives = negatives or build(cfg.negatives)
    return negatives.prepare(build(cfg.data, seed=cfg.seed))


def plan_run(cfg: DictConfig, data: PairSplits | None = None) -> RunPlan:
    """Data, negatives mode and head, checked against the loss and the select metric: all before a model exists."""
    check_inputs(cfg)  # the data files and the model folder, before anything is read
    negatives: NegativesMode = build(cfg.negatives)
    data = prepare_data(cfg, negatives) if data is None else data
    plan = RunPlan(negatives, data, build(cfg.head))
    dev_evaluator = build_evaluator(data, DEV, plan.head, cfg)
    return check_plan(plan, get_object(cfg.loss._target_), dev_evaluator, cfg.evaluation.select_metric)


def single_run() -> bool:
    """False inside a ``--multirun`` job, whose failures must be recorded in MLflow."""
    return not (HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN)


def check_run_config(cfg: DictConfig) -> None:
    """Checks that need no data: value ranges (:func:`experiments.config.check_config`) and the output folder."""
    check_config(cfg)
    output_dir = Path(cfg.output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise ConfigurationError(f"output_dir={str(output_dir)!r} cannot be written: {error}") from error


def resume_point(cfg: DictConfig) -> tuple[Path | None, str | None]:
    """With ``resume=true``: the last complete checkpoint in ``output_dir`` and the MLflow run to continue."""
    if not cfg.resume:
        return None, None
    output_dir = Path(cfg.output_dir)
    if not cfg.trainer.save_checkpoints:
        raise ConfigurationError("resume=true needs trainer.save_checkpoints=true: there is nothing to resume from")
    checkpoint = last_checkpoint(output_dir / "checkpoints")
    if checkpoint is None:
        finished = " (its model/ is saved: the run finished)" if (output_dir / "model").is_dir() else ""
        raise ConfigurationError(f"resume=true: no complete checkpoint in {output_dir / 'checkpoints'}{finished}")
    run_id_file = output_dir / RUN_ID_FILE
    run_id = run_id_file.read_text(encoding="utf-8").strip() if run_id_file.is_file() else None
    if run_id is None:
        logger.warning("resume=true: %s not found; the resumed job logs to a new MLflow run", run_id_file)
    return checkpoint, run_id


def train(cfg: DictConfig) -> dict[str, float]:
    """Train, select the best epoch on dev, evaluate on test, log it all to MLflow; return the summary."""
    check_run_config(cfg)
    checkpoint, run_id = resume_point(cfg)
    resolved = redact_config(OmegaConf.to_container(cfg, resolve=True))  # no credential is ever written
    transformers.set_seed(cfg.seed)
    plan = plan_run(cfg) if single_run() else None  # a single run's bad data or config leaves no MLflow run
    pin_run_config(resolved, cfg.output_dir, cfg.resume)
    tags = redact_config(hydra_context() | provenance_tags(cfg.seed))
    name = run_name(tags, cfg.seed, tags.get("sweep_job"))
    tracker: MlflowTracker = build(cfg.tracking, run_name=name, tags=tags, run_id=run_id)
    with terminate_gracefully(), tracker:  # SIGTERM: the run ends KILLED, its checkpoints stay
        (Path(cfg.output_dir) / RUN_ID_FILE).write_text(str(tracker.run_id), encoding="utf-8")
        if checkpoint is not None:
            tracker.set_tags({"resumed_from": str(checkpoint.resolve())})
        tracker.log_params({key: value for key, value in resolved.items() if key != "resume"})
        tracker.log_params(override_params(tags.get("overrides", ""), set(flatten(resolved))))  # type: ignore[arg-type]
        tracker.log_text(OmegaConf.to_yaml(resolved), "config/resolved.yaml")
        plan = plan or plan_run(cfg)
        if cfg.cv.folds:
            return cross_validate(cfg, tracker, plan.data, _run)
        return _run(cfg, tracker, checkpoint, plan=plan)


def _run(
    cfg: DictConfig,
    tracker: MlflowTracker,
    checkpoint: Path | None = None,
    data: PairSplits | None = None,
    plan: RunPlan | None = None,
) -> dict[str, float]:
    plan = plan or plan_run(cfg, data)
    negatives, data, head = plan.negatives, plan.data, plan.head
    data_counts = class_counts(data.train[LABEL], data.num_classes)  # the world's priors, for calibration=prior
    augmentation = build(cfg.augmentation, random_state=cfg.seed)
    data = augmentation.apply(data)
    tracker.log_metrics(augmentation.summary())
    sizes = data_summary(data)
    fingerprints = {split: fingerprint(d) for split, d in data.splits().items()}
    tracker.log_inputs(split_inputs(data.name, fingerprints, sizes))
    tracker.log_params(split_rows(sizes, list(fingerprints)))
    tracker.set_tags({f"data_fingerprint_{split}": digest for split, digest in fingerprints.items()})
    tracker.log_dict(
        labels_record(data.label_names),
        "data/labels.json",
    )
    calibrator: Calibrator = build(cfg.calibration)
    calibrator.check_head(head)
    calibrator.check_dev(class_counts(data.dev[LABEL], data.num_classes), data.label_names)

    sampler: EpochSampler = negatives.epoch_sampler(build(cfg.sampling, random_state=cfg.seed), data.train)
    sampler.fit(data.train[LABEL], data.num_classes)
    counts = sampler.epoch_class_counts(0)
    tracker.log_params({"loss_class_counts": counts})

    model = build(cfg.model, num_labels=head.num_labels(data.num_classes))
    loss = negatives.check_loss(build(cfg.loss, model=model, class_counts=counts))
    loss = build(cfg.regularization, loss=loss)
    tracker.log_params({"loss_config": getattr(loss, "get_config_dict", dict)()})
    dev_evaluator = build_evaluator(data, DEV, head, cfg)

    checkpoints = Path(cfg.output_dir) / "checkpoints"
    epoch_logger = EpochMetricsLogger(tracker, extra_metrics=sampler.epoch_metrics)
    trainer_settings: dict[str, Any] = OmegaConf.to_container(cfg.trainer, resolve=True)  # type: ignore[assignment]
    group_by_length = trainer_settings.pop("group_by_length")
    stop_on_time_budget = time_budget(trainer_settings.pop("time_budget_minutes"))
    precision = trainer_settings["precision"] = resolve_precision(trainer_settings["precision"])
    tracker.log_params({"precision": precision})
    batching = negatives.batch_sampler(
        sampler,
        lengths=pair_lengths(data.train[TEXT_A], data.train[TEXT_B], model.tokenizer, model.max_seq_length)
        if group_by_length
        else None,
        group_by_length=group_by_length,
        chunk_batches=trainer_settings.pop("length_chunk_batches"),
    )
    trainer = GuardedCrossEncoderTrainer(
        model=model,
        args=training_arguments(
            output_dir=str(checkpoints),
            seed=cfg.seed,
            select_metric=cfg.evaluation.select_metric,
            batch_sampler=batching,
            **trainer_settings,
        ),
        train_dataset=negatives.train_dataset(data.train),
        loss=loss,
        evaluator=dev_evaluator,
        callbacks=[
            epoch_logger,
            StopOnSignal(),
            *early_stopping(cfg.evaluation.early_stopping_patience, cfg.trainer.save_checkpoints),
            *stop_on_time_budget,
        ],
    )
    tracker.log_metrics(negatives.stats)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    epochs_trained = round(trainer.state.epoch or 0)  # fewer than trainer.epochs after early stopping
    timings = timing_metrics(trainer.state.log_history, pairs_trained=sum(counts) * epochs_trained)
    tracker.log_metrics({"epochs_trained": float(epochs_trained), **timings})

    best = select_best_epoch(epoch_logger.history, cfg.evaluation.select_metric)
    if not cfg.trainer.save_checkpoints and best is not epoch_logger.history[-1]:
        # No checkpoint to restore: the model in hand is the last epoch's, so are its thresholds.
        logger.warning("trainer.save_checkpoints=false: testing the last epoch, not the best (%d)", best["epoch"])
        best = epoch_logger.history[-1]
    best_epoch = int(best["epoch"])
    # Fitted on dev at the best epoch; best's dev metrics and thresholds become those of the calibrated scores.
    trained_counts = effective_class_counts(counts, getattr(loss, "get_config_dict", dict)())
    calibration = fit_calibration(calibrator, model, dev_evaluator, best, trained_counts, data_counts)
    best = calibration.best
    summary = {f"best_{key}": value for key, value in best.items() if key.startswith(f"{DEV}_")}
    summary["best_epoch"] = float(best_epoch)
    summary.update(uncalibrated_metrics(f"best_{DEV}", calibration.dev_scores_uncalibrated, dev_evaluator.labels))

    test_evaluator = build_evaluator(data, TEST, head, cfg)
    logger.info("scoring %s (%s pairs) at epoch %d ...", TEST, f"{len(test_evaluator.pairs):,}", best_epoch)
    with autocast(precision, model.device.type):
        test_logits = head.class_logits(model, test_evaluator.pairs, cfg.evaluation.batch_size)
    test_scores = calibrator.transform(test_logits)
    test = test_metrics(test_evaluator, test_scores, best, cfg.evaluation.beta, cfg.evaluation.threshold_metric)
    summary.update({f"{TEST}_{key}": value for key, value in test.items()})
    summary.update(uncalibrated_metrics(TEST, head.probabilities(test_logits), test_evaluator.labels))
    tracker.log_metrics(summary)
    tracker.log_dict(summary, f"{FOLDER}/summary.json")
    tracker.log_dict(calibrator.to_dict(), f"{FOLDER}/calibration.json")
    tracker.log_text(threshold_table(epoch_logger.history).to_csv(index=False), f"{FOLDER}/thresholds_per_epoch.csv")
    if is_main_process():  # only rank 0 evaluates (and keeps the dev scores) under torchrun
        figures = evaluation_figures(
            head.binary,
            calibration.dev_scores,
            dev_evaluator.labels,
            test_scores,
            test_evaluator.labels,
            data.label_names,
            best,
            epoch_logger.history,
            cfg.evaluation.threshold_metric,
            cfg.evaluation.beta,
        )
        figures |= reliability_figures(
            calibrator.name,
            dev_evaluator.labels,
            calibration.dev_scores_uncalibrated,
            calibration.dev_scores,
            test_evaluator.labels,
            head.probabilities(test_logits),
            test_scores,
        )
        for artifact_file, figure in figures.items():
            tracker.log_figure(figure, artifact_file)

    threshold_metric = cfg.evaluation.threshold_metric if head.binary else None
    rule = DecisionRule(
        head=head.name,
        label_names=data.label_names,
        threshold=best[f"{DEV}_{threshold_metric}_threshold"] if threshold_metric else None,
        threshold_metric=threshold_metric,
        best_epoch=best_epoch,
        select_metric=cfg.evaluation.select_metric,
        precision=precision,
        calibration=calibrator.to_dict(),
    )
    model_dir: Path | None = None
    if is_main_process():  # one writer per run under torchrun
        model_dir = save_classifier(model, head, rule, Path(cfg.output_dir) / "model")
        tracker.set_tags({"model_dir": str(model_dir.resolve())})
        tracker.log_classifier(model_dir)
        if not cfg.keep_checkpoints:
            shutil.rmtree(checkpoints, ignore_errors=True)
    note = run_note(data.name, sizes, tracker.tags, best, test, cfg.evaluation.select_metric, epochs_trained)
    tracker.set_tags({NOTE_TAG: note})
    ending = run_summary(
        summary, cfg.evaluation.select_metric, threshold_metric, model_dir, tracker.run_id, tracker.tracking_uri
    )
    logger.info("Run finished\n%s", ending)
    return summary
