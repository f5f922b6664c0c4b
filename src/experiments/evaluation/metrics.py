"""Metric dictionaries for binary, multiclass and ranking evaluation, from scikit-learn where it has them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    fbeta_score,
    matthews_corrcoef,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)

from experiments.data.splits import class_keys
from experiments.evaluation.thresholds import THRESHOLD_METRICS, best_thresholds

# Metrics that count things (how many groups were ranked), not how good the scores are: never a selection metric.
COUNT_METRICS = frozenset({"ranked_groups"})


# Equal-width probability bins of the expected calibration error.
ECE_BINS = 15


def reliability_points(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per non-empty equal-width bin of confidence: mean confidence, observed frequency, share of rows.

    Binary scores (shape (n,)) are the positive-class probability against the label; multiclass
    probabilities (shape (n, C)) are top-label: the highest probability against "the argmax is right".
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels).astype(int)
    if probabilities.ndim == 1:
        confidence, outcome = probabilities, labels.astype(np.float64)
    else:
        confidence = probabilities.max(axis=1)
        outcome = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    # Bins (0, 1/B], ..., ((B-1)/B, 1]; a probability of exactly 0 goes to the first bin.
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    used = counts > 0
    mean_confidence = np.bincount(index, weights=confidence, minlength=bins)[used] / counts[used]
    frequency = np.bincount(index, weights=outcome, minlength=bins)[used] / counts[used]
    return mean_confidence, frequency, counts[used] / len(confidence)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE: the share-weighted mean gap between confidence and observed frequency over equal-width bins.

    Written by hand: scikit-learn has ``calibration_curve`` but no ECE. Binary: the positive-class
    probability; multiclass: top-label (Guo et al. 2017, "On Calibration of Modern Neural Networks").
    """
    confidence, frequency, share = reliability_points(probabilities, labels, bins)
    return float(np.sum(share * np.abs(confidence - frequency)))


def brier_score(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Binary: scikit-learn's ``brier_score_loss``, mean (p - y)^2. Multiclass: mean over rows of the sum
    over classes of (p_k - [y = k])^2 (in [0, 2]; the binary score is half of that sum for two classes)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels).astype(int)
    if probabilities.ndim == 1:
        return float(brier_score_loss(labels, probabilities, pos_label=1))
    one_hot = np.eye(probabilities.shape[1])[labels]
    return float(np.mean(np.sum((probabilities - one_hot) ** 2, axis=1)))


def calibration_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """``ece`` and ``brier`` (both lower is better: :mod:`experiments.evaluation.direction`)."""
    return {
        "ece": expected_calibration_error(probabilities, labels),
        "brier": brier_score(probabilities, labels),
    }


def tuned_binary_metrics(
    scores: np.ndarray, labels: np.ndarray, beta: float = 1.0, threshold_metric: str = "f1"
) -> dict[str, float]:
    """Best accuracy / F1 / F-beta / MCC with their thresholds, plus threshold-free metrics.

    Precision, recall and balanced accuracy are reported at the threshold of ``threshold_metric``.
    """
    choices = best_thresholds(scores, labels, beta)
    metrics: dict[str, float] = {}
    for metric, choice in choices.items():
        metrics[metric] = choice.value
        metrics[f"{metric}_threshold"] = choice.threshold
    decision = choices[threshold_metric]
    predictions = scores > decision.threshold
    metrics.update(
        precision=decision.precision,
        recall=decision.recall,
        balanced_accuracy=float(balanced_accuracy_score(labels, predictions)),
        **threshold_free_metrics(scores, labels),
        **calibration_metrics(scores, labels),
    )
    return metrics


def threshold_free_metrics(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Average precision and ROC AUC (NaN when a split has a single class)."""
    if len(np.unique(labels)) < 2:
        return {"average_precision": float("nan"), "roc_auc": float("nan")}
    return {
        "average_precision": float(average_precision_score(labels, scores)),
        "roc_auc": float(roc_auc_score(labels, scores)),
    }


def binary_metrics_at(
    scores: np.ndarray,
    labels: np.ndarray,
    thresholds: Mapping[str, float],
    beta: float = 1.0,
    threshold_metric: str = "f1",
) -> dict[str, float]:
    """Metrics at fixed thresholds chosen elsewhere (on dev): each metric at its own threshold.

    Precision, recall and balanced accuracy are taken at ``thresholds[threshold_metric]``.
    """
    labels = np.asarray(labels).astype(int)

    def predict(metric: str) -> np.ndarray:
        return (scores > thresholds[metric]).astype(int)

    metrics = {
        "accuracy": float(accuracy_score(labels, predict("accuracy"))),
        "f1": float(f1_score(labels, predict("f1"), zero_division=0)),
        "fbeta": float(fbeta_score(labels, predict("fbeta"), beta=beta, zero_division=0)),
        "mcc": float(matthews_corrcoef(labels, predict("mcc"))),
    }
    decision = predict(threshold_metric)
    metrics.update(
        precision=float(precision_score(labels, decision, zero_division=0)),
        recall=float(recall_score(labels, decision, zero_division=0)),
        balanced_accuracy=float(balanced_accuracy_score(labels, decision)),
        **threshold_free_metrics(scores, labels),
        **calibration_metrics(scores, labels),
    )
    metrics.update({f"{metric}_threshold": float(thresholds[metric]) for metric in THRESHOLD_METRICS})
    return metrics


def multiclass_metrics(probabilities: np.ndarray, labels: np.ndarray, label_names: Sequence[str]) -> dict[str, float]:
    """Accuracy, macro / weighted F1, balanced accuracy, MCC, and per-class precision / recall / F1 (named by each
    class's key, :func:`experiments.data.splits.class_keys`)."""
    predictions = np.argmax(probabilities, axis=1)
    class_ids = list(range(len(label_names)))
    precision, recall, f1, _ = precision_recall_fscore_support(labels, predictions, labels=class_ids, zero_division=0)
    metrics = {
        "accuracy": float(accuracy_score(labels, predictions)),
        "f1_macro": float(f1_score(labels, predictions, labels=class_ids, average="macro", zero_division=0)),
        "f1_weighted": float(f1_score(labels, predictions, labels=class_ids, average="weighted", zero_division=0)),
        "balanced_accuracy": float(balanced_accuracy_score(labels, predictions)),
        "mcc": float(matthews_corrcoef(labels, predictions)),
        **calibration_metrics(probabilities, labels),
    }
    for class_id, key in enumerate(class_keys(label_names)):
        metrics[f"precision_{key}"] = float(precision[class_id])
        metrics[f"recall_{key}"] = float(recall[class_id])
        metrics[f"f1_{key}"] = float(f1[class_id])
    return metrics


def multiclass_confusion(probabilities: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """The confusion matrix, rows = true class, columns = predicted class."""
    return confusion_matrix(labels, np.argmax(probabilities, axis=1), labels=list(range(num_classes)))
