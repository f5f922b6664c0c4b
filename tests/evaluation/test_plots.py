"""The evaluation figures and the per-epoch threshold table, from arrays and a hand-made history."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from experiments.evaluation.plots import (
    confusion_matrix_figure,
    metric_threshold_figure,
    precision_recall_figure,
    threshold_history_figure,
)
from experiments.evaluation.report import evaluation_figures, threshold_table

SCORES = np.array([0.9, 0.8, 0.8, 0.3, 0.2, 0.1])
LABELS = np.array([1, 1, 0, 0, 1, 0])
HISTORY = [
    {
        "epoch": 1.0,
        "dev_f1": 0.5,
        "dev_f1_threshold": 0.4,
        "dev_accuracy": 0.6,
        "dev_accuracy_threshold": 0.7,
        "dev_fbeta": 0.5,
        "dev_fbeta_threshold": 0.4,
        "dev_mcc": 0.1,
        "dev_mcc_threshold": 0.5,
        "train_loss": 0.7,
    },
    {
        "epoch": 2.0,
        "dev_f1": 0.8,
        "dev_f1_threshold": 0.55,
        "dev_accuracy": 0.75,
        "dev_accuracy_threshold": 0.85,
        "dev_fbeta": 0.8,
        "dev_fbeta_threshold": 0.55,
        "dev_mcc": 0.5,
        "dev_mcc_threshold": 0.55,
        "train_loss": 0.5,
    },
]
THRESHOLDS = {"accuracy": 0.85, "f1": 0.55, "fbeta": 0.55, "mcc": 0.55}


def test_precision_recall_marks_each_chosen_threshold():
    figure = precision_recall_figure(SCORES, LABELS, THRESHOLDS, beta=2.0)
    (ax,) = figure.axes
    points = {line.get_label(): (line.get_xdata()[0], line.get_ydata()[0]) for line in ax.lines[2:]}
    assert points["best F1: t = 0.55"] == pytest.approx((2 / 3, 2 / 3))  # 2 of 3 predicted are positive
    assert points["best accuracy: t = 0.85"] == pytest.approx((1 / 3, 1.0))
    assert "best F2: t = 0.55" in points


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [text.get_text() for text in legend.get_texts()] if legend else []


def test_metric_threshold_curves_and_marks():
    figure = metric_threshold_figure(SCORES, LABELS, THRESHOLDS, beta=0.5)
    (ax,) = figure.axes
    curves = [line.get_label() for line in ax.lines if line.get_linestyle() == "-"]
    assert curves == ["accuracy", "F1", "F0.5", "MCC"]
    assert sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--") == [0.55, 0.55, 0.55, 0.85]


def test_threshold_lines_have_legend_entries():
    (ax,) = metric_threshold_figure(SCORES, LABELS, THRESHOLDS, beta=0.5).axes
    assert legend_texts(ax) == [
        "accuracy", "best accuracy at t = 0.85", "F1", "best F1 at t = 0.55",
        "F0.5", "best F0.5 at t = 0.55", "MCC", "best MCC at t = 0.55",
    ]  # fmt: skip


@pytest.mark.parametrize("beta", [None, 1.0])
def test_f_beta_with_beta_one_is_not_a_second_f1(beta: float | None):
    thresholds_plot = metric_threshold_figure(SCORES, LABELS, THRESHOLDS, beta=beta if beta else 1.0)
    pr_plot = precision_recall_figure(SCORES, LABELS, THRESHOLDS, beta=1.0)
    history_plot = threshold_history_figure(HISTORY, best_epoch=2, beta=1.0)
    for ax in (*thresholds_plot.axes, *pr_plot.axes, history_plot.axes[0]):
        texts = legend_texts(ax)
        assert sum(text.startswith(("F1", "best F1")) for text in texts) == (2 if ax in thresholds_plot.axes else 1)
        assert not any("F-beta" in text for text in texts)
    assert [line.get_label() for line in history_plot.axes[0].lines][:3] == ["accuracy", "F1", "MCC"]


def test_a_threshold_predicting_no_positive_is_not_drawn_at_the_origin():
    thresholds = {"accuracy": 0.95, "f1": 0.55}  # 0.95 is above every score
    (ax,) = precision_recall_figure(SCORES, LABELS, thresholds, beta=1.0).axes
    points = [(line.get_label(), list(line.get_xdata())) for line in ax.lines[2:]]
    assert points == [("best accuracy: t = 0.95 (no pair positive)", []), ("best F1: t = 0.55", [pytest.approx(2 / 3)])]
    assert "best accuracy: t = 0.95 (no pair positive)" in legend_texts(ax)


def test_epoch_axes_have_few_integer_ticks():
    history = [{**HISTORY[0], "epoch": float(epoch)} for epoch in range(1, 41)]
    for records in (HISTORY[:1], HISTORY, history[:7], history):
        figure = threshold_history_figure(records, best_epoch=1)
        figure.canvas.draw()  # ticks are placed when drawn
        for ax in figure.axes:
            low, high = ax.get_xlim()
            ticks = [tick for tick in ax.get_xticks() if low <= tick <= high]
            assert 1 <= len(ticks) <= 12 and all(float(tick).is_integer() for tick in ticks), ticks


def test_confusion_matrix_counts():
    figure = confusion_matrix_figure(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]), ["a", "b", "c"])
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["1", "0", "0", "0", "0", "1", "0", "0", "2"]


def _cells(figure: Figure) -> np.ndarray:
    texts = [int(text.get_text()) for text in figure.axes[0].texts]
    side = int(np.sqrt(len(texts)))
    return np.array(texts).reshape(side, side)


def test_a_confusion_matrix_of_many_classes_draws_those_with_the_most_rows_and_sums_the_rest(caplog):
    labels = np.repeat(np.arange(25), np.arange(1, 26))  # class k has k + 1 rows: classes 5..24 have the most
    predictions = labels.copy()
    predictions[labels == 24] = 0  # class 24's 25 rows predicted as class 0, one of the others
    names = [f"label {k}" for k in range(25)]
    with caplog.at_level("INFO", logger="experiments.evaluation.plots"):
        figure = confusion_matrix_figure(labels, predictions, names, title="test")
    ax = figure.axes[0]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == [*names[5:], "other 5 classes"]
    cells = _cells(figure)
    assert cells.shape == (21, 21) and cells.sum() == len(labels)
    assert np.diag(cells)[:19].tolist() == list(range(6, 25))  # classes 5..23, each right on every row
    assert cells[19, 20] == 25 and cells[19, 19] == 0  # class 24 predicted as one of the others
    assert cells[20, 20] == 1 + 2 + 3 + 4 + 5  # the others among themselves
    assert ax.get_title() == "Confusion matrix (test; the 20 of 25 classes with the most rows)"
    assert (
        "confusion matrix (test): 25 classes, too many to draw one by one; drawn: the 20 with the most rows, "
        "the other 5 summed as one row and column"
    ) in caplog.messages


def test_a_confusion_matrix_of_a_thousand_classes_stays_small():
    rng = np.random.default_rng(0)
    labels, predictions = rng.integers(0, 1000, 6000), rng.integers(0, 1000, 6000)
    figure = confusion_matrix_figure(labels, predictions, [f"class {k}" for k in range(1000)])
    assert len(figure.axes[0].texts) == 21 * 21 and _cells(figure).sum() == 6000
    assert max(figure.get_size_inches()) < 30


def test_threshold_history_plots_every_epoch():
    figure = threshold_history_figure(HISTORY, best_epoch=2)
    top, bottom = figure.axes
    f1 = next(line for line in top.lines if line.get_label() == "F1")
    assert list(f1.get_xdata()) == [1, 2] and list(f1.get_ydata()) == [0.4, 0.55]
    assert any(line.get_label() == "best epoch 2" for line in bottom.lines)


def test_threshold_table_has_one_row_per_epoch():
    table = threshold_table(HISTORY)
    assert table.columns.tolist()[:3] == ["epoch", "dev_accuracy", "dev_accuracy_threshold"]
    assert "train_loss" not in table.columns
    assert table["epoch"].tolist() == [1, 2]
    assert table["dev_f1_threshold"].tolist() == [0.4, 0.55]


def test_figures_by_head_kind():
    best = HISTORY[1]
    binary = evaluation_figures(True, SCORES, LABELS, SCORES, LABELS, ["0", "1"], best, HISTORY, "f1")
    assert sorted(binary) == [
        "evaluation/dev_metric_vs_threshold.png",
        "evaluation/dev_precision_recall.png",
        "evaluation/test_confusion_matrix.png",
        "evaluation/thresholds_per_epoch.png",
    ]
    probabilities = np.eye(3)[[0, 1, 2, 1]]
    multiclass = evaluation_figures(
        False, probabilities, [0, 1, 2, 2], probabilities, [0, 1, 2, 2], "abc", best, [], "f1"
    )
    assert sorted(multiclass) == ["evaluation/dev_confusion_matrix.png", "evaluation/test_confusion_matrix.png"]
    assert all(isinstance(figure, Figure) for figure in {**binary, **multiclass}.values())
