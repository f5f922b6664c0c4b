"""Evaluation pictures: pure functions from scores, labels or the per-epoch history to matplotlib Figures.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state, no GUI backend),
so they can be made in worker processes and logged with ``MlflowClient.log_figure``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import ConfusionMatrixDisplay, average_precision_score, precision_recall_curve

from experiments.evaluation.metrics import expected_calibration_error, reliability_points
from experiments.evaluation.thresholds import THRESHOLD_METRICS, metric_curves

logger = logging.getLogger(__name__)

METRIC_LABELS = {"accuracy": "accuracy", "f1": "F1", "fbeta": "F-beta", "mcc": "MCC"}
COLORS = {"accuracy": "tab:blue", "f1": "tab:orange", "fbeta": "tab:green", "mcc": "tab:red"}


def _label(metric: str, beta: float | None = None) -> str:
    return f"F{beta:g}" if metric == "fbeta" and beta is not None else METRIC_LABELS.get(metric, metric)


def shown_metrics(metrics: Sequence[str], beta: float | None) -> list[str]:
    """``metrics`` without F-beta when β = 1: it is F1, and its line would hide F1's."""
    return [metric for metric in metrics if not (metric == "fbeta" and beta == 1)]


def precision_recall_figure(
    scores: np.ndarray,
    labels: np.ndarray,
    thresholds: Mapping[str, float],
    beta: float | None = None,
    title: str = "dev",
) -> Figure:
    """The precision-recall curve, with the operating point of each chosen threshold marked."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels).astype(int)
    precision, recall, _ = precision_recall_curve(labels, scores)
    figure = Figure(figsize=(6, 5), layout="constrained")
    ax = figure.add_subplot()
    ap = average_precision_score(labels, scores) if 0 < labels.sum() < len(labels) else float("nan")
    ax.step(recall, precision, where="post", color="tab:gray", label=f"PR curve (AP = {ap:.3f})")
    ax.axhline(labels.mean(), color="tab:gray", linestyle=":", linewidth=1, label=f"base rate {labels.mean():.3f}")
    for metric in shown_metrics(list(thresholds), beta):
        threshold = thresholds[metric]
        predicted = scores > threshold
        true_pos = int(np.sum(predicted & (labels == 1)))
        label = f"best {_label(metric, beta)}: t = {threshold:.3g}"
        if not predicted.any():
            # Precision is undefined with no positive prediction: a legend entry, no point on the curve.
            ax.plot([], [], marker="o", linestyle="none", color=COLORS.get(metric), label=f"{label} (no pair positive)")
            continue
        ax.plot(
            true_pos / max(int(labels.sum()), 1),
            true_pos / int(predicted.sum()),
            marker="o",
            linestyle="none",
            color=COLORS.get(metric),
            label=label,
        )
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02), title=f"Precision-recall ({title})")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return figure


def metric_threshold_figure(
    scores: np.ndarray,
    labels: np.ndarray,
    thresholds: Mapping[str, float],
    beta: float = 1.0,
    title: str = "dev",
) -> Figure:
    """Accuracy, F1, F-beta (unless β = 1) and MCC against the threshold; each chosen threshold a dashed line."""
    curves = metric_curves(scores, labels, beta)
    figure = Figure(figsize=(7, 5), layout="constrained")
    ax = figure.add_subplot()
    for metric in shown_metrics(THRESHOLD_METRICS, beta):
        color = COLORS[metric]
        ax.plot(curves["threshold"], curves[metric], color=color, label=_label(metric, beta))
        if metric in thresholds:
            label = f"best {_label(metric, beta)} at t = {thresholds[metric]:.3g}"
            ax.axvline(thresholds[metric], color=color, linestyle="--", linewidth=1, label=label)
    ax.set(xlabel="threshold (positive when score > threshold)", ylabel="metric")
    ax.set_title(f"Metric vs threshold ({title})")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return figure


MAX_DRAWN_CLASSES = 20
"""Classes a confusion matrix draws one by one. The figure and its cells grow with the square of the classes
(1,000 classes: a million cells and a figure 1,200 inches wide), so past this the classes with the most rows are
drawn and the others are summed into one row and one column."""


def confusion_matrix_figure(
    labels: np.ndarray,
    predictions: np.ndarray,
    label_names: Sequence[str],
    title: str = "test",
    max_classes: int = MAX_DRAWN_CLASSES,
) -> Figure:
    """The confusion matrix (rows true, columns predicted), counts in the cells.

    With more than ``max_classes`` classes, the ``max_classes`` with the most true rows are drawn (in class-id
    order) and the rest are one row and column, ``other N classes``; a log line says so.
    """
    labels, predictions = np.asarray(labels).astype(int), np.asarray(predictions).astype(int)
    names = list(label_names)
    if len(names) > max_classes:
        support = np.bincount(labels, minlength=len(names))
        drawn = np.sort(np.argsort(-support, kind="stable")[:max_classes])
        position = np.full(len(names), max_classes)
        position[drawn] = np.arange(max_classes)
        labels, predictions = position[labels], position[predictions]
        others = len(names) - max_classes
        logger.info(
            "confusion matrix (%s): %d classes, too many to draw one by one; drawn: the %d with the most rows, "
            "the other %d summed as one row and column", title, len(names), max_classes, others,
        )  # fmt: skip
        title = f"{title}; the {max_classes} of {len(names)} classes with the most rows"
        names = [names[class_id] for class_id in drawn] + [f"other {others} classes"]
    figure = Figure(figsize=(1.2 * len(names) + 3, 1.2 * len(names) + 2.5), layout="constrained")
    ax = figure.add_subplot()
    ConfusionMatrixDisplay.from_predictions(
        labels,
        predictions,
        labels=list(range(len(names))),
        display_labels=names,
        ax=ax,
        colorbar=False,
        cmap="Blues",
    )
    ax.set_title(f"Confusion matrix ({title})")
    return figure


def threshold_history_figure(
    history: Sequence[Mapping[str, float]],
    best_epoch: int | None = None,
    prefix: str = "dev",
    beta: float | None = None,
) -> Figure:
    """Per-epoch thresholds (top) and the metric each reaches (bottom); the best epoch as a vertical line."""
    epochs = [int(record["epoch"]) for record in history]
    figure = Figure(figsize=(7, 6), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    for metric in shown_metrics(THRESHOLD_METRICS, beta):
        color, label = COLORS[metric], _label(metric, beta)
        for ax, key in ((top, f"{prefix}_{metric}_threshold"), (bottom, f"{prefix}_{metric}")):
            values = [record.get(key, np.nan) for record in history]
            ax.plot(epochs, values, marker="o", color=color, label=label)
    for ax in (top, bottom):
        if best_epoch is not None:
            ax.axvline(best_epoch, color="black", linestyle=":", linewidth=1, label=f"best epoch {best_epoch}")
        ax.grid(alpha=0.3)
    top.set(ylabel="threshold", title=f"Best thresholds per epoch ({prefix})")
    bottom.set(xlabel="epoch", ylabel="metric at its threshold")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    top.legend(loc="best", fontsize="small")
    return figure


def reliability_figure(
    panels: Mapping[str, tuple[np.ndarray, Mapping[str, np.ndarray]]],
    multiclass: bool = False,
) -> Figure:
    """Reliability diagrams side by side: per panel (e.g. dev, test), observed frequency against mean
    confidence in equal-width bins for each set of scores (e.g. before and after calibration), with ECE.

    ``panels`` maps a title to (labels, {curve label: probabilities}). Multiclass probabilities are
    drawn top-label (confidence = highest probability, frequency = share of correct argmax).
    """
    figure = Figure(figsize=(5 * len(panels), 5), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(panels), sharey=True))
    styles = ({"color": "tab:gray", "marker": "o"}, {"color": "tab:orange", "marker": "s"}, {"color": "tab:blue"})
    for ax, (title, (labels, curves)) in zip(axes, panels.items(), strict=True):
        ax.plot([0, 1], [0, 1], color="black", linestyle=":", linewidth=1, label="perfectly calibrated")
        for (label, probabilities), style in zip(curves.items(), styles, strict=False):
            confidence, frequency, share = reliability_points(probabilities, labels)
            ece = expected_calibration_error(probabilities, labels)
            ax.plot(confidence, frequency, linewidth=1.5, **style, label=f"{label} (ECE = {ece:.3f})")
            ax.scatter(confidence, frequency, s=8 + 400 * share, color=style["color"], alpha=0.25)
        x_label = "mean top-label confidence in bin" if multiclass else "mean predicted probability in bin"
        y_label = "accuracy in bin" if multiclass else "observed positive share in bin"
        ax.set(xlabel=x_label, ylabel=y_label, xlim=(0, 1), ylim=(0, 1), title=f"Reliability ({title})")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    return figure
