"""The one pipeline: seed → data → negatives → sampling → model/head → loss → evaluator → trainer → test → log.

This is the only module that reads the Hydra config; every component it builds takes plain arguments.
"""

from __future__ import annotations

import logging
from pathlib import Path

import transformers
from omegaconf import DictConfig, OmegaConf, open_dict

from experiments.calibration import Calibrator, fit_calibration
from experiments.config import check_config
from experiments.data.splits import DEV, LABEL, TEST, PairSplits, class_counts
from experiments.evaluation.held_out import score_test_split
from experiments.evaluation.selection import tested_epoch
from experiments.models.decision import decision_rule
from experiments.run.building import build, build_evaluator, plan_run
from experiments.run.console import run_summary
from experiments.run.cross_validation import aggregate, fold_splits
from experiments.run.output_dir import hydra_job_files, prepare_output_dir
from experiments.run.pinned_config import pin_run_config
from experiments.run.pinned_data import pin_data_fingerprints
from experiments.run.plan import RunPlan
from experiments.run.results import log_evaluation, save_model, summary_metrics
from experiments.run.training import GuardedCrossEncoderTrainer, StopOnSignal, TrainerSettings, training_metrics
from experiments.sampling import EpochSampler
from experiments.signals import terminate_gracefully
from experiments.tracking import EpochMetricsLogger, MlflowTracker, flatten
from experiments.tracking.credentials import redact_config
from experiments.tracking.datasets import log_data
from experiments.tracking.description import run_note
from experiments.tracking.job import in_sweep, job_tags
from experiments.tracking.names import run_name
from experiments.tracking.provenance import provenance_tags
from experiments.tracking.resume import CHECKPOINTS, record_run_id, resume_point
from experiments.tracking.tags import NOTE_TAG, override_params
from experiments.tracking.test_scores import log_test_scores
from experiments.tracking.trial import trial_callbacks

logger = logging.getLogger(__name__)


def check_run_config(cfg: DictConfig) -> None:
    """Checks that need no data: value ranges (:func:`experiments.config.check_config`) and the output folder."""
    check_config(cfg)
    prepare_output_dir(cfg.output_dir, cfg.resume, hydra_job_files(cfg.output_dir))  # a new run's folder is its own


def train(cfg: DictConfig) -> dict[str, float]:
    """Train, select the best epoch on dev, evaluate on test, log it all to MLflow; return the summary."""
    check_run_config(cfg)
    resume = resume_point(cfg.output_dir, cfg.resume, cfg.trainer.save_checkpoints)
    resolved = redact_config(OmegaConf.to_container(cfg, resolve=True))  # no credential is ever written
    transformers.set_seed(cfg.seed)
    # A single run's bad data or config leaves no MLflow run; a resume on changed data leaves its run untouched.
    plan = plan_run(cfg) if not in_sweep() or resume.resuming else None
    pin_run_config(resolved, cfg.output_dir, resume=resume.resuming, claim=not cfg.resume)
    if plan is not None:
        pin_data_fingerprints(plan.data, cfg.output_dir, resume.resuming)
    tags = redact_config(job_tags() | provenance_tags(cfg.seed))
    name = run_name(tags, cfg.seed, tags.get("sweep_job"))
    tracker: MlflowTracker = build(cfg.tracking, run_name=name, tags=tags, run_id=resume.run_id)
    with terminate_gracefully(), tracker:  # SIGTERM: the run ends KILLED, its checkpoints stay
        record_run_id(cfg.output_dir, tracker.run_id)
        if resume.checkpoint is not None:
            tracker.set_tags({"resumed_from": str(resume.checkpoint.resolve())})
        tracker.log_params({key: value for key, value in resolved.items() if key != "resume"})
        tracker.log_params(override_params(tags.get("overrides", ""), set(flatten(resolved))))  # type: ignore[arg-type]
        tracker.log_text(OmegaConf.to_yaml(resolved), "config/resolved.yaml")
        if plan is None:  # a sweep job plans inside its run, which then records a data error
            plan = plan_run(cfg)
            pin_data_fingerprints(plan.data, cfg.output_dir, resume.resuming)
        if cfg.cv.folds:
            return cross_validate(cfg, tracker, plan.data)
        return _run(cfg, tracker, plan, resume.checkpoint)


def cross_validate(cfg: DictConfig, parent: MlflowTracker, data: PairSplits) -> dict[str, float]:
    """One model per stratified fold of the training split, each a child run; mean ± std to the parent run."""
    summaries = []
    for k, fold in enumerate(fold_splits(data, int(cfg.cv.folds), int(cfg.seed)), start=1):
        fold_cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
        with open_dict(fold_cfg):
            fold_cfg.output_dir = f"{cfg.output_dir}/fold-{k}"
        with parent.child(f"{parent.run_name}-fold{k}", {"cv_fold": str(k)}) as child:
            child.log_params(redact_config(OmegaConf.to_container(fold_cfg)))
            summaries.append(_run(fold_cfg, child, plan_run(fold_cfg, fold)))
    summary = aggregate(summaries)
    parent.log_metrics(summary)
    return summary


def _run(cfg: DictConfig, tracker: MlflowTracker, plan: RunPlan, checkpoint: Path | None = None) -> dict[str, float]:
    """One model, from the checked plan (prepared data, negatives mode, head) to the logged results."""
    augmentation = build(cfg.augmentation, random_state=cfg.seed)
    data = augmentation.apply(plan.data)
    tracker.log_metrics(augmentation.summary())
    sizes = log_data(tracker, data)
    calibrator: Calibrator = build(cfg.calibration)
    calibrator.check_head(plan.head)
    calibrator.check_dev(class_counts(data.dev[LABEL], data.num_classes), data.label_names)

    sampler: EpochSampler = plan.negatives.epoch_sampler(build(cfg.sampling, random_state=cfg.seed), data.train)
    sampler.fit(data.train[LABEL], data.num_classes)
    counts = sampler.epoch_class_counts(0)
    tracker.log_params({"loss_class_counts": counts})

    model = build(cfg.model, num_labels=plan.head.num_labels(data.num_classes))
    loss = build(cfg.regularization, loss=plan.negatives.check_loss(build(cfg.loss, model=model, class_counts=counts)))
    tracker.log_params({"loss_config": getattr(loss, "get_config_dict", dict)()})
    dev_evaluator = build_evaluator(data, DEV, plan.head, cfg)

    settings = TrainerSettings.from_config(OmegaConf.to_container(cfg.trainer, resolve=True))  # type: ignore[arg-type]
    tracker.log_params({"precision": settings.precision})
    epoch_logger = EpochMetricsLogger(tracker, extra_metrics=sampler.epoch_metrics)
    trainer = GuardedCrossEncoderTrainer(
        model=model,
        args=settings.arguments(
            str(Path(cfg.output_dir) / CHECKPOINTS),
            cfg.seed,
            cfg.evaluation.select_metric,
            settings.batch_sampler(plan.negatives, sampler, data.train, model),
        ),
        train_dataset=plan.negatives.train_dataset(data.train),
        loss=loss,
        evaluator=dev_evaluator,
        callbacks=[
            epoch_logger,
            StopOnSignal(),
            *settings.stopping(cfg.evaluation.early_stopping_patience),
            *trial_callbacks(tracker, build(cfg.pruner) if cfg.get("pruner") else None, cfg.evaluation.select_metric),
        ],
    )
    tracker.log_metrics(plan.negatives.stats)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    trained = training_metrics(trainer.state, pairs_per_epoch=sum(counts))
    tracker.log_metrics(trained)

    best = tested_epoch(epoch_logger.history, cfg.evaluation.select_metric, restored=settings.save_checkpoints)
    world = class_counts(plan.data.train[LABEL], plan.data.num_classes)  # the training data's, before sampling
    calibration = fit_calibration(calibrator, model, dev_evaluator, best, loss, counts, world)
    test_evaluator = build_evaluator(data, TEST, plan.head, cfg)
    test = score_test_split(model, test_evaluator, calibrator, calibration.best, settings.precision)
    summary = summary_metrics(calibration, dev_evaluator.labels, test, test_evaluator.labels)
    log_evaluation(tracker, summary, calibration, epoch_logger.history, dev_evaluator, test_evaluator, test)
    log_test_scores(tracker, test.scores, test_evaluator, calibration.best, cfg.evaluation.beta)

    select_metric, threshold_metric = cfg.evaluation.select_metric, cfg.evaluation.threshold_metric
    rule = decision_rule(
        plan.head, data.label_names, calibration.best, threshold_metric, select_metric, settings.precision, calibrator
    )
    model_dir = save_model(tracker, model, plan.head, rule, cfg.output_dir, cfg.keep_checkpoints)
    note = run_note(
        data.name, sizes, tracker.tags, calibration.best, test.metrics, select_metric, int(trained["epochs_trained"])
    )
    tracker.set_tags({NOTE_TAG: note})
    ending = run_summary(summary, select_metric, rule.threshold_metric, model_dir, tracker.run_id, tracker.tracking_uri)
    logger.info("Run finished\n%s", ending)
    return summary
