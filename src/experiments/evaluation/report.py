"""What a run leaves to look at: the evaluation figures by artifact path, and the per-epoch threshold table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.evaluation.plots import (
    confusion_matrix_figure,
    metric_threshold_figure,
    precision_recall_figure,
    reliability_figure,
    threshold_history_figure,
)
from experiments.evaluation.thresholds import THRESHOLD_METRICS

FOLDER = "evaluation"


def threshold_table(history: Sequence[Mapping[str, float]], prefix: str = "dev") -> pd.DataFrame:
    """One row per epoch: each threshold metric's best value and its threshold (columns that exist only)."""
    columns = ["epoch"]
    for metric in THRESHOLD_METRICS:
        columns += [f"{prefix}_{metric}", f"{prefix}_{metric}_threshold"]
    frame = pd.DataFrame([dict(record) for record in history])
    frame = frame[[column for column in columns if column in frame.columns]]
    return frame.astype({"epoch": int}) if "epoch" in frame.columns else frame


def binary_figures(
    dev_scores: np.ndarray,
    dev_labels: np.ndarray,
    test_scores: np.ndarray,
    test_labels: np.ndarray,
    label_names: Sequence[str],
    best: Mapping[str, float],
    history: Sequence[Mapping[str, float]],
    threshold_metric: str,
    beta: float = 1.0,
    prefix: str = "dev",
) -> dict[str, Figure]:
    """Dev PR and metric-vs-threshold curves at the best epoch, test confusion matrix, per-epoch thresholds."""
    thresholds = {metric: best[f"{prefix}_{metric}_threshold"] for metric in THRESHOLD_METRICS}
    epoch = int(best["epoch"])
    decision = thresholds[threshold_metric]
    return {
        f"{FOLDER}/dev_precision_recall.png": precision_recall_figure(
            dev_scores, dev_labels, thresholds, beta, title=f"dev, best epoch {epoch}"
        ),
        f"{FOLDER}/dev_metric_vs_threshold.png": metric_threshold_figure(
            dev_scores, dev_labels, thresholds, beta, title=f"dev, best epoch {epoch}"
        ),
        f"{FOLDER}/test_confusion_matrix.png": confusion_matrix_figure(
            test_labels,
            (np.asarray(test_scores) > decision).astype(int),
            label_names,
            title=f"test, {threshold_metric} threshold {decision:.3g} from dev",
        ),
        f"{FOLDER}/thresholds_per_epoch.png": threshold_history_figure(history, epoch, prefix, beta),
    }


def multiclass_figures(
    dev_scores: np.ndarray,
    dev_labels: np.ndarray,
    test_scores: np.ndarray,
    test_labels: np.ndarray,
    label_names: Sequence[str],
    best: Mapping[str, float],
) -> dict[str, Figure]:
    """Confusion matrices (argmax) on dev at the best epoch and on test."""
    epoch = int(best["epoch"])
    return {
        f"{FOLDER}/dev_confusion_matrix.png": confusion_matrix_figure(
            dev_labels, np.argmax(dev_scores, axis=1), label_names, title=f"dev, best epoch {epoch}"
        ),
        f"{FOLDER}/test_confusion_matrix.png": confusion_matrix_figure(
            test_labels, np.argmax(test_scores, axis=1), label_names, title="test"
        ),
    }


def evaluation_figures(
    binary: bool,
    dev_scores: np.ndarray,
    dev_labels: np.ndarray,
    test_scores: np.ndarray,
    test_labels: np.ndarray,
    label_names: Sequence[str],
    best: Mapping[str, float],
    history: Sequence[Mapping[str, float]],
    threshold_metric: str,
    beta: float = 1.0,
) -> dict[str, Figure]:
    """The figures of :func:`binary_figures` or :func:`multiclass_figures`, by artifact path."""
    if binary:
        return binary_figures(
            dev_scores, dev_labels, test_scores, test_labels, label_names, best, history, threshold_metric, beta
        )
    return multiclass_figures(dev_scores, dev_labels, test_scores, test_labels, label_names, best)


def reliability_figures(
    calibrator: str,
    dev_labels: np.ndarray,
    dev_before: np.ndarray,
    dev_after: np.ndarray,
    test_labels: np.ndarray,
    test_before: np.ndarray,
    test_after: np.ndarray,
) -> dict[str, Figure]:
    """The reliability diagram of dev (best epoch) and test, before and after ``calibrator``."""

    def curves(before: np.ndarray, after: np.ndarray) -> dict[str, np.ndarray]:
        return {"uncalibrated": before} | ({} if calibrator == "none" else {f"calibration={calibrator}": after})

    panels = {
        "dev, best epoch": (dev_labels, curves(dev_before, dev_after)),
        "test": (test_labels, curves(test_before, test_after)),
    }
    return {f"{FOLDER}/reliability.png": reliability_figure(panels, multiclass=np.ndim(dev_before) == 2)}
