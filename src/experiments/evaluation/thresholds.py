"""Best decision thresholds for binary scores, all metrics in one O(n log n) pass.

scikit-learn has no threshold search for accuracy, F-beta or MCC, and sentence-transformers'
``BinaryClassificationEvaluator`` loops in Python over every row, so this is written by hand:
sort once, count true / false positives at every cut between distinct scores with cumulative
sums, and evaluate every metric on all cuts as arrays. A pair is predicted positive when its
score is strictly greater than the threshold. The candidate thresholds are the midpoints between
distinct neighbouring scores (as in sentence-transformers), the highest score, which predicts no
pair positive, and the float just below the lowest score, which predicts every pair positive.
A midpoint that rounds onto the upper score (neighbouring floats) is replaced by the lower score,
so every threshold splits the scores exactly where its counts say. Among equally good cuts the
highest threshold wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THRESHOLD_METRICS = ("accuracy", "f1", "fbeta", "mcc")


@dataclass(frozen=True)
class ThresholdChoice:
    """The best value of one metric, the threshold that reaches it, and precision / recall there."""

    metric: str
    value: float
    threshold: float
    precision: float
    recall: float


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros_like(numerator, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def confusion_at_cuts(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """Thresholds (descending) and TP, FP, FN, TN counts at each, for every candidate cut."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    if scores.shape != labels.shape:
        raise ValueError(f"{len(scores)} scores but {len(labels)} labels")
    if len(scores) == 0:
        raise ValueError("no scores to threshold")
    if not np.isfinite(scores).all():
        raise ValueError(f"{int((~np.isfinite(scores)).sum())} of {len(scores)} scores are NaN or infinite")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"binary labels must be 0 or 1, got {np.unique(labels).tolist()}")
    labels = labels.astype(bool)
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    # Last index of every run of equal scores: the cuts fall between distinct scores.
    ends = np.flatnonzero(np.r_[sorted_scores[1:] != sorted_scores[:-1], True])
    true_pos = np.r_[0, np.cumsum(sorted_labels)[ends]]
    false_pos = np.r_[0, (ends + 1) - true_pos[1:]]
    distinct = sorted_scores[ends]
    upper, lower = distinct[:-1], distinct[1:]
    midpoints = upper / 2 + lower / 2
    midpoints = np.where(midpoints < upper, midpoints, lower)
    thresholds = np.r_[distinct[0], midpoints, np.nextafter(distinct[-1], -np.inf)]
    positives, negatives = int(labels.sum()), int((~labels).sum())
    return thresholds, true_pos, false_pos, positives - true_pos, negatives - false_pos


def metric_curves(scores: np.ndarray, labels: np.ndarray, beta: float = 1.0) -> dict[str, np.ndarray]:
    """Every threshold metric at every candidate threshold (key ``threshold`` holds the thresholds)."""
    thresholds, tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in confusion_at_cuts(scores, labels))
    beta2 = beta * beta
    mcc_denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {
        "threshold": thresholds,
        "accuracy": (tp + tn) / (tp + fp + fn + tn),
        "f1": _safe_divide(2 * tp, 2 * tp + fp + fn),
        "fbeta": _safe_divide((1 + beta2) * tp, (1 + beta2) * tp + beta2 * fn + fp),
        "mcc": _safe_divide(tp * tn - fp * fn, mcc_denominator),
        "precision": _safe_divide(tp, tp + fp),
        "recall": _safe_divide(tp, tp + fn),
    }


def best_thresholds(scores: np.ndarray, labels: np.ndarray, beta: float = 1.0) -> dict[str, ThresholdChoice]:
    """For accuracy, F1, F-beta and MCC: the best value over all candidate thresholds, and where."""
    curves = metric_curves(scores, labels, beta)
    choices = {}
    for metric in THRESHOLD_METRICS:
        best = int(np.argmax(curves[metric]))
        choices[metric] = ThresholdChoice(
            metric=metric,
            value=float(curves[metric][best]),
            threshold=float(curves["threshold"][best]),
            precision=float(curves["precision"][best]),
            recall=float(curves["recall"][best]),
        )
    return choices
