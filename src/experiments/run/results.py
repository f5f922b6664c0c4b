"""What a finished run leaves: its summary metrics, the evaluation artifacts and figures, the saved classifier."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.calibration import Calibration, uncalibrated_metrics
from experiments.data.splits import DEV, TEST
from experiments.distributed import is_main_process
from experiments.evaluation import PairClassificationEvaluator
from experiments.evaluation.held_out import HeldOutScores
from experiments.evaluation.report import FOLDER, evaluation_figures, reliability_figures, threshold_table
from experiments.heads.base import Head
from experiments.models.decision import DecisionRule, save_classifier
from experiments.models.digest import folder_digest
from experiments.run.output_dir import remove_checkpoints
from experiments.tracking import MlflowTracker
from experiments.tracking.resume import CHECKPOINTS

MODEL_FOLDER = "model"


def summary_metrics(
    calibration: Calibration, dev_labels: np.ndarray, test: HeldOutScores, test_labels: np.ndarray
) -> dict[str, float]:
    """``best_dev_*`` and ``best_epoch`` of the tested epoch, ``test_*``, and both splits' calibration before."""
    best = calibration.best
    summary = {f"best_{key}": value for key, value in best.items() if key.startswith(f"{DEV}_")}
    summary["best_epoch"] = float(int(best["epoch"]))
    summary.update(uncalibrated_metrics(f"best_{DEV}", calibration.dev_scores_uncalibrated, dev_labels))
    summary.update({f"{TEST}_{key}": value for key, value in test.metrics.items()})
    summary.update(uncalibrated_metrics(TEST, test.uncalibrated, test_labels))
    return summary


def log_evaluation(
    tracker: MlflowTracker,
    summary: dict[str, float],
    calibration: Calibration,
    history: Sequence[dict[str, float]],
    dev: PairClassificationEvaluator,
    test_evaluator: PairClassificationEvaluator,
    test: HeldOutScores,
) -> None:
    """The summary as metrics and ``evaluation/summary.json``, the calibrator, the thresholds per epoch, the figures."""
    tracker.log_metrics(summary)
    tracker.log_dict(summary, f"{FOLDER}/summary.json")
    tracker.log_dict(calibration.calibrator.to_dict(), f"{FOLDER}/calibration.json")
    tracker.log_text(threshold_table(history).to_csv(index=False), f"{FOLDER}/thresholds_per_epoch.csv")
    if not is_main_process():  # only rank 0 evaluates (and keeps the dev scores) under torchrun
        return
    figures = evaluation_figures(
        dev.head.binary,
        calibration.dev_scores,
        dev.labels,
        test.scores,
        test_evaluator.labels,
        dev.label_names,
        calibration.best,
        history,
        dev.threshold_metric,
        dev.beta,
    )
    figures |= reliability_figures(
        calibration.calibrator.name,
        dev.labels,
        calibration.dev_scores_uncalibrated,
        calibration.dev_scores,
        test_evaluator.labels,
        test.uncalibrated,
        test.scores,
    )
    for artifact_file, figure in figures.items():
        tracker.log_figure(figure, artifact_file)


def save_model(
    tracker: MlflowTracker,
    model: CrossEncoder,
    head: Head,
    rule: DecisionRule,
    output_dir: str | Path,
    keep_checkpoints: bool,
) -> Path | None:
    """Save the classifier to ``output_dir/model`` and log it; drop the checkpoints unless kept. Rank 0 only."""
    if not is_main_process():  # one writer per run under torchrun
        return None
    model_dir = save_classifier(model, head, rule, Path(output_dir) / MODEL_FOLDER)
    tracker.set_tags({"model_dir": str(model_dir.resolve()), "model_digest": folder_digest(model_dir)})
    tracker.log_classifier(model_dir)
    if not keep_checkpoints:
        remove_checkpoints(Path(output_dir) / CHECKPOINTS)  # the trainer's own folders, nothing else
    return model_dir
