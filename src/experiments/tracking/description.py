"""A run's Markdown description (MLflow's ``mlflow.note.content`` tag): data, choices, best epoch and its figures."""

from __future__ import annotations

from collections.abc import Mapping

# Shown when the run has them, in this order.
FIGURES = ("f1", "mcc", "average_precision", "accuracy", "f1_macro", "map", "mrr", "f1_threshold")
GROUPS = ("model", "head", "loss", "sampling", "negatives", "augmentation", "regularization")


def split_line(split: str, summary: Mapping[str, float]) -> str:
    rows = int(summary.get(f"data_{split}_rows", 0))
    prefix = f"data_{split}_count_"
    counts = ", ".join(
        f"{key.removeprefix(prefix)}: {int(value)}" for key, value in summary.items() if key.startswith(prefix)
    )
    return f"{split} {rows} rows ({counts})" if counts else f"{split} {rows} rows"


def run_note(
    data_name: str,
    summary: Mapping[str, float],
    choices: Mapping[str, str],
    best: Mapping[str, float],
    test: Mapping[str, float],
    select_metric: str,
    epochs_trained: int,
) -> str:
    """Markdown saying what the run was and what it reached.

    Args:
        data_name: the data source's name.
        summary: rows and class counts per split (:func:`experiments.tracking.datasets.data_summary`).
        choices: config-group choices (the run's tags).
        best: the best epoch's record (``epoch``, ``dev_<metric>``).
        test: test metrics without prefix.
        select_metric: the metric that chose the best epoch.
        epochs_trained: epochs run (fewer than configured after early stopping).
    """
    splits = [split for split in ("train", "dev", "test") if f"data_{split}_rows" in summary]
    lines = [
        f"**Data** `{data_name}`: " + "; ".join(split_line(split, summary) for split in splits) + ".",
        "",
        " · ".join(f"**{group}** {choices[group]}" for group in GROUPS if choices.get(group)),
        "",
        f"**Best epoch** {int(best['epoch'])} of {epochs_trained} (by `{select_metric}`).",
        "",
        "| metric | dev (best epoch) | test |",
        "|---|---:|---:|",
    ]
    for figure in FIGURES:
        dev, on_test = best.get(f"dev_{figure}"), test.get(figure)
        if dev is None and on_test is None:
            continue
        cells = ["–" if value is None else f"{value:.4f}" for value in (dev, on_test)]
        lines.append(f"| {figure} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"
