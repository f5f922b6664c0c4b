"""``experiments-compare``: a paper table of a sweep from MLflow, grouped by the swept choices, over seeds.

Reads the runs of one or more experiments (or of one sweep id) with ``MlflowClient.search_runs``,
groups them by what varied between runs (config-group choices recorded as tags, and the keys
overridden on the command line), aggregates a metric over seeds (mean ± std, n), sorts, marks the
best group and tests whether it is reliably better than each other group, pairing runs by seed.
Writes ``comparison.md``, ``comparison.csv``, ``comparison.tex``, a bar plot of the metric per group,
and per-epoch curves of a metric across groups (``curves.csv`` and a plot).

Example::

    experiments-compare --experiment imbalance-grid --metric test_f1 --curve-metric dev_f1 --out results/
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from scipy import stats

from experiments.errors import ConfigurationError
from experiments.metric_direction import lower_is_better

logger = logging.getLogger(__name__)

RUN_ID, STATUS, SEED, GROUP = "run_id", "status", "seed", "group"
FINISHED = "FINISHED"
TESTS = ("ttest", "wilcoxon", "bootstrap")
BOOTSTRAP_SAMPLES = 10_000


def override_pairs(overrides: str) -> dict[str, str]:
    """``key=value`` pairs of a Hydra override string (the run's ``overrides`` tag); ``+``/``~`` prefixes dropped."""
    pairs: dict[str, str] = {}
    for token in shlex.split(overrides):
        key, sep, value = token.partition("=")
        if sep:
            pairs[key.lstrip("+~")] = value
    return pairs


def choice_tags(run: Run) -> dict[str, str]:
    """Config-group choices among the run's tags: a tag ``g`` whose params hold keys under ``g.``."""
    prefixes = {key.split(".", 1)[0] for key in run.data.params if "." in key}
    return {key: value for key, value in run.data.tags.items() if key in prefixes}


def runs_frame(runs: Sequence[Run]) -> tuple[pd.DataFrame, list[str]]:
    """One row per run: id, status, seed, candidate grouping keys and every metric; and the candidate keys."""
    rows: list[dict[str, object]] = []
    candidates: dict[str, None] = {}
    for run in runs:
        keys = choice_tags(run)
        overridden = {
            key: value
            for key, value in override_pairs(run.data.tags.get("overrides", "")).items()
            if key != SEED and not key.startswith("hydra")
        }
        keys.update(overridden)
        candidates.update(dict.fromkeys(keys))
        seed = run.data.tags.get(SEED, run.data.params.get(SEED))
        rows.append({RUN_ID: run.info.run_id, STATUS: run.info.status, SEED: seed, **keys, **run.data.metrics})
    return pd.DataFrame(rows), sorted(candidates)


def swept_keys(frame: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """The candidate keys whose value differs between runs."""
    return [key for key in candidates if key in frame and frame[key].astype(str).nunique(dropna=False) > 1]


def group_labels(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    if not keys:
        return pd.Series("all", index=frame.index)
    return frame[list(keys)].astype(str).apply(lambda row: ", ".join(f"{k}={v}" for k, v in row.items()), axis=1)


def paired_pvalue(best: np.ndarray, other: np.ndarray, test: str, higher_is_better: bool, seed: int = 0) -> float:
    """One-sided p-value that ``best`` beats ``other``, with runs paired by seed (NaN below 2 pairs).

    ``ttest``: :func:`scipy.stats.ttest_rel`; ``wilcoxon``: :func:`scipy.stats.wilcoxon`; ``bootstrap``: the share
    of paired bootstrap resamples of the seeds whose mean difference is not in favour of ``best``.
    """
    if len(best) < 2:
        return float("nan")
    alternative = "greater" if higher_is_better else "less"
    difference = best - other if higher_is_better else other - best
    if test == "ttest":
        return float(stats.ttest_rel(best, other, alternative=alternative).pvalue)
    if test == "wilcoxon":
        if not np.any(difference):
            return float("nan")
        return float(stats.wilcoxon(best, other, alternative=alternative).pvalue)
    if test == "bootstrap":
        rng = np.random.default_rng(seed)
        samples = rng.integers(0, len(difference), size=(BOOTSTRAP_SAMPLES, len(difference)))
        return float(np.mean(difference[samples].mean(axis=1) <= 0))
    raise ConfigurationError(f"--test must be one of {list(TESTS)}, got {test!r}")


def compare_groups(
    frame: pd.DataFrame,
    metric: str,
    keys: Sequence[str],
    higher_is_better: bool = True,
    test: str = "ttest",
) -> pd.DataFrame:
    """Mean, std (ddof 1) and n of ``metric`` per group over FINISHED runs, best first, with paired p-values.

    Columns: the grouping keys, ``group``, ``mean``, ``std``, ``n``, ``failed`` (runs of the group that did
    not finish; a group with no finished run comes last with n = 0), ``n_pairs`` and ``p_value`` (best vs
    the group, paired by seed), ``best``.
    """
    if metric not in frame:
        raise ConfigurationError(
            f"metric {metric!r} is in none of the runs; logged metrics include {metric_names(frame)}"
        )
    frame = frame.assign(**{GROUP: group_labels(frame, keys)})
    finished = frame[(frame[STATUS] == FINISHED) & frame[metric].notna()]
    if finished.empty:
        raise ConfigurationError(f"no FINISHED run has the metric {metric!r}")
    table = finished.groupby(GROUP, sort=False)[metric].agg(mean="mean", std="std", n="count").reset_index()
    failed = frame[frame[STATUS] != FINISHED].groupby(GROUP).size()
    table["failed"] = table[GROUP].map(failed).fillna(0).astype(int)
    firsts = finished.drop_duplicates(GROUP).set_index(GROUP)
    for key in keys:
        table[key] = table[GROUP].map(firsts[key])
    table = table.sort_values("mean", ascending=not higher_is_better, kind="stable").reset_index(drop=True)

    per_seed = finished.groupby([GROUP, SEED])[metric].mean().unstack(GROUP)
    best_group = table.loc[0, GROUP]
    n_pairs, p_values = [], []
    for group in table[GROUP]:
        pair = per_seed[[best_group, group]].dropna()
        n_pairs.append(len(pair) if group != best_group else 0)
        p_values.append(
            float("nan")
            if group == best_group
            else paired_pvalue(pair[best_group].to_numpy(), pair[group].to_numpy(), test, higher_is_better)
        )
    table["n_pairs"] = n_pairs
    table["p_value"] = p_values
    table["best"] = table[GROUP] == best_group
    only_failed = frame[~frame[GROUP].isin(table[GROUP])].drop_duplicates(GROUP)
    if not only_failed.empty:  # groups without one finished run, last: they count as failures, not as zeros
        rows = only_failed[[*keys, GROUP]].assign(n=0, n_pairs=0, best=False)
        rows["failed"] = rows[GROUP].map(failed).fillna(0).astype(int)
        table = pd.concat([table, rows], ignore_index=True)
    return table[[*keys, GROUP, "mean", "std", "n", "failed", "n_pairs", "p_value", "best"]]


def metric_names(frame: pd.DataFrame) -> list[str]:
    fixed = {RUN_ID, STATUS, SEED}
    return sorted(c for c in frame.columns if c not in fixed and pd.api.types.is_float_dtype(frame[c]))[:20]


def _display(table: pd.DataFrame, keys: Sequence[str], metric: str, escape: Callable[[str], str]) -> pd.DataFrame:
    shown = pd.DataFrame({key: table[key].astype(str).map(escape) for key in (keys or [GROUP])})
    std = table["std"].map(lambda s: "–" if pd.isna(s) else f"{s:.4f}")
    shown[escape(metric)] = ["–" if pd.isna(m) else f"{m:.4f} ± {s}" for m, s in zip(table["mean"], std, strict=True)]
    shown["n"] = table["n"].astype(str)
    shown["failed"] = table["failed"].astype(str)
    shown["p"] = table["p_value"].map(lambda p: "–" if pd.isna(p) else f"{p:.3g}")
    return shown


def to_markdown(table: pd.DataFrame, keys: Sequence[str], metric: str) -> str:
    """A GitHub Markdown table, best row in bold."""
    shown = _display(table, keys, metric, str)
    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    for best, (_, row) in zip(table["best"], shown.iterrows(), strict=True):
        cells = [f"**{cell}**" if best else str(cell) for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def latex_escape(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, f"\\{char}")
    return text


def to_latex(table: pd.DataFrame, keys: Sequence[str], metric: str) -> str:
    """A booktabs LaTeX table, best row in bold."""
    shown = _display(table, keys, metric, latex_escape)
    shown.iloc[:, len(keys or [GROUP])] = shown.iloc[:, len(keys or [GROUP])].str.replace(" ± ", r" $\pm$ ")
    shown = shown.replace("–", "--")
    for column in shown.columns:
        shown.loc[table["best"].to_numpy(), column] = shown.loc[table["best"].to_numpy(), column].map(
            lambda cell: f"\\textbf{{{cell}}}"
        )
    caption = f"{latex_escape(metric)}: mean $\\pm$ std over seeds; p: paired test of the best (bold) vs each row."
    return shown.to_latex(index=False, escape=False, caption=caption, label="tab:comparison")


def plot_groups(table: pd.DataFrame, metric: str, path: Path) -> None:
    """Horizontal bars of the mean with std error bars, best first and highlighted."""
    figure, axis = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    colors = ["tab:orange" if best else "tab:blue" for best in table["best"]]
    axis.barh(table[GROUP], table["mean"], xerr=table["std"].fillna(0), color=colors, capsize=3)
    axis.invert_yaxis()
    axis.set_xlabel(f"{metric} (mean ± std over seeds)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def epoch_curves(client: MlflowClient, frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per-epoch history of ``metric`` of every FINISHED run: group, seed, run_id, epoch, value."""
    rows = []
    for _, run in frame[frame[STATUS] == FINISHED].iterrows():
        for point in client.get_metric_history(run[RUN_ID], metric):
            rows.append(
                {GROUP: run[GROUP], SEED: run[SEED], RUN_ID: run[RUN_ID], "epoch": point.step, "value": point.value}
            )
    return pd.DataFrame(rows, columns=[GROUP, SEED, RUN_ID, "epoch", "value"])


def plot_curves(curves: pd.DataFrame, metric: str, path: Path) -> None:
    """Mean over seeds per epoch and group, with a ± std band."""
    figure, axis = plt.subplots(figsize=(7, 4))
    for group, points in curves.groupby(GROUP, sort=False):
        summary = points.groupby("epoch")["value"].agg(["mean", "std"]).fillna({"std": 0.0})
        axis.plot(summary.index, summary["mean"], marker="o", label=group)
        axis.fill_between(summary.index, summary["mean"] - summary["std"], summary["mean"] + summary["std"], alpha=0.2)
    axis.set_xlabel("epoch")
    axis.set_ylabel(metric)
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def search_runs(client: MlflowClient, experiments: Sequence[str], sweep_id: str | None) -> list[Run]:
    """Runs of the named experiments (all experiments when none is named), of one sweep when ``sweep_id`` is set."""
    if experiments:
        ids = []
        for name in experiments:
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise ConfigurationError(f"MLflow experiment {name!r} not found at {client.tracking_uri}")
            ids.append(experiment.experiment_id)
    else:
        ids = [experiment.experiment_id for experiment in client.search_experiments()]
    query = f"tags.sweep_id = '{sweep_id}'" if sweep_id else ""
    runs: list[Run] = []
    token = None
    while True:
        page = client.search_runs(ids, filter_string=query, max_results=1000, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def compare(
    client: MlflowClient,
    experiments: Sequence[str],
    out: Path,
    metric: str = "test_f1",
    curve_metric: str | None = "dev_f1",
    sweep_id: str | None = None,
    group_by: Sequence[str] | None = None,
    higher_is_better: bool = True,
    test: str = "ttest",
) -> pd.DataFrame:
    """Build the comparison table and write every output into ``out``; return the table."""
    runs = search_runs(client, experiments, sweep_id)
    if not runs:
        raise ConfigurationError(f"no runs found in {list(experiments) or 'any experiment'} (sweep id {sweep_id!r})")
    frame, candidates = runs_frame(runs)
    keys = list(group_by) if group_by else swept_keys(frame, candidates)
    missing = [key for key in keys if key not in frame]
    if missing:
        raise ConfigurationError(f"--group-by {missing} not found; candidates are {candidates}")
    table = compare_groups(frame, metric, keys, higher_is_better, test)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "comparison.csv", index=False)
    (out / "comparison.md").write_text(to_markdown(table, keys, metric), encoding="utf-8")
    (out / "comparison.tex").write_text(to_latex(table, keys, metric), encoding="utf-8")
    plot_groups(table, metric, out / f"{metric}_by_group.png")
    if curve_metric:
        curves = epoch_curves(client, frame.assign(**{GROUP: group_labels(frame, keys)}), curve_metric)
        curves.to_csv(out / "curves.csv", index=False)
        if not curves.empty:
            plot_curves(curves, curve_metric, out / f"{curve_metric}_curves.png")
    logger.info("%d runs (%d finished), grouped by %s; outputs in %s", len(frame), table["n"].sum(), keys, out)
    return table


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="experiments-compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", action="append", default=[], help="MLflow experiment name (repeatable)")
    parser.add_argument("--sweep-id", help="only the runs of this sweep (the sweep_id tag: the sweep folder)")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db"),
        help="default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db",
    )
    parser.add_argument("--metric", default="test_f1", help="metric of the table (a run's final value)")
    parser.add_argument("--curve-metric", default="dev_f1", help="per-epoch metric to plot; '' for none")
    parser.add_argument("--group-by", action="append", help="grouping key (repeatable); default: what varied")
    parser.add_argument(
        "--lower-is-better", action="store_true", help="for losses and errors (implied for ECE and Brier metrics)"
    )
    parser.add_argument("--test", choices=TESTS, default="ttest", help="paired test of best vs each group")
    parser.add_argument("--out", type=Path, default=Path("comparison"), help="output folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry: prints the Markdown table and writes the files."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    client = MlflowClient(tracking_uri=args.tracking_uri)
    try:
        table = compare(
            client,
            args.experiment,
            args.out,
            metric=args.metric,
            curve_metric=args.curve_metric or None,
            sweep_id=args.sweep_id,
            group_by=args.group_by,
            higher_is_better=not (args.lower_is_better or lower_is_better(args.metric)),
            test=args.test,
        )
    except ConfigurationError as error:
        logger.error("%s", error)
        return 2
    sys.stdout.write((args.out / "comparison.md").read_text(encoding="utf-8"))
    logger.info("best: %s (%s = %.4f)", table.loc[0, GROUP], args.metric, table.loc[0, "mean"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
