"""The comparison's figures: the first metric per group as bars, and per-epoch curves as small multiples."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from experiments.reporting.comparison import Comparison
from experiments.reporting.paper_table import readable_metric
from experiments.reporting.runs import GROUP


def plot_groups(comparison: Comparison, path: Path) -> None:
    """Horizontal bars of the first metric's mean with std error bars, best first and highlighted."""
    table, metric = comparison.table, comparison.metrics[0]
    figure, axis = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    colors = ["tab:orange" if best else "tab:blue" for best in table[f"{metric}_best"]]
    axis.barh(table[GROUP], table[f"{metric}_mean"], xerr=table[f"{metric}_std"].fillna(0), color=colors, capsize=3)
    axis.invert_yaxis()
    direction = "higher" if comparison.higher_is_better(metric) else "lower"
    axis.set_xlabel(f"{readable_metric(metric)}, mean ± std over seeds ({direction} is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def curves_figure(curves: pd.DataFrame, metric: str) -> Figure:
    """Small multiples, one panel per group: its mean over seeds per epoch over a ± std band, on top of the
    other groups' means in grey, so that no line or band hides another; integer epochs, one shared y axis."""
    summaries = {
        group: points.groupby("epoch")["value"].agg(["mean", "std"]).fillna({"std": 0.0})
        for group, points in curves.groupby(GROUP, sort=False)
    }
    columns = min(3, len(summaries))
    rows = -(-len(summaries) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.6 * columns, 2.7 * rows + 0.6), sharex=True, sharey=True, squeeze=False
    )
    for axis, (group, summary) in zip(axes.flat, summaries.items(), strict=False):
        for other, context in summaries.items():
            if other != group:
                axis.plot(context.index, context["mean"], color="0.78", linewidth=1, zorder=1)
        low, high = summary["mean"] - summary["std"], summary["mean"] + summary["std"]
        axis.fill_between(summary.index, low, high, color="tab:blue", alpha=0.2, linewidth=0, zorder=2)
        axis.plot(summary.index, summary["mean"], color="tab:blue", marker="o", markersize=4, zorder=3)
        axis.set_title(group, fontsize="small", wrap=True)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.tick_params(labelbottom=True)  # also above an empty panel
        axis.grid(alpha=0.3)
    for axis in axes.flat[len(summaries) :]:
        axis.set_visible(False)
    figure.supxlabel("epoch")
    figure.supylabel(f"{readable_metric(metric)}, mean ± std over seeds")
    if len(summaries) > 1:
        figure.suptitle("grey: the other groups' means", fontsize="small", color="0.4")
    figure.tight_layout()
    return figure


def plot_curves(curves: pd.DataFrame, metric: str, path: Path) -> None:
    figure = curves_figure(curves, metric)
    figure.savefig(path, dpi=120)
    plt.close(figure)
