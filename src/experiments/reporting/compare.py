"""``experiments-compare``: a paper table of a sweep from MLflow, grouped by the swept choices, over seeds.

Reads the runs of one or more experiments (or of one sweep id) with ``MlflowClient.search_runs``,
groups them by what varied between runs (config-group choices recorded as tags, and the keys
overridden on the command line), aggregates each metric over seeds (mean ± std, n), sorts by the
first metric, and tests each group against a baseline group, pairing runs by seed. Runs of
``experiments-reproduce`` are left out unless asked for. Writes ``comparison.md``, ``comparison.csv``,
``comparison.tex``, a bar plot of the first metric per group, and per-epoch curves of a metric across
groups (``curves.csv`` and a plot).

Example::

    experiments-compare --experiment imbalance-grid --metric test_f1 test_mcc --baseline plain --out results/
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from scipy import stats

from experiments.errors import ConfigurationError
from experiments.evaluation.direction import lower_is_better
from experiments.reporting.paper_table import readable_metric, to_latex, to_markdown
from experiments.tracking.tags import FINISHED, PARENT_TAG, SWEEP_PARENT_TAG

logger = logging.getLogger(__name__)

RUN_ID, STATUS, SEED, GROUP, ONE_CLASS = "run_id", "status", "seed", "group", "one_class"

MISSING = "–"  # a grouping key a run has no value for
REPRODUCES = "reproduces"  # the tag experiments.reporting.reproduce puts on a reproduction run
TESTS = ("ttest", "wilcoxon", "bootstrap")
BOOTSTRAP_SAMPLES = 10_000
# A run predicts one class when at least 1 - tolerance of every class's test rows get the same prediction.
ONE_CLASS_TOLERANCE = 0.05


def metric_key(name: str) -> str:
    """The one spelling the table uses for a metric: ``test/f1`` and ``test_f1`` are both ``test_f1``."""
    return name.replace("/", "_")


def stored_name(names: Iterable[str], name: str) -> str | None:
    """The name under which a run stores the metric ``name`` in either spelling (``test/f1`` preferred), or None."""
    matches = sorted((stored for stored in names if metric_key(stored) == metric_key(name)), key=lambda n: "/" not in n)
    return matches[0] if matches else None


def canonical_metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    """A run's metrics under :func:`metric_key` names; where both spellings are logged, the ``/`` one wins."""
    return {metric_key(name): metrics[stored_name(metrics, name) or name] for name in metrics}


def one_class_run(metrics: Mapping[str, float]) -> bool | None:
    """Whether the run's test decision puts (nearly) every row into one class; None when the run cannot tell.

    Binary runs log ``test_recall`` (true positive rate) and ``test_balanced_accuracy`` at the same threshold,
    so the true negative rate is ``2 * balanced_accuracy - recall``; multiclass runs log ``test_recall_<class>``.
    One-class means one class recalled at ≥ 1 - :data:`ONE_CLASS_TOLERANCE` and every other at ≤ the tolerance:
    predicting every pair positive gives recall 1 and F1 2p / (1 + p) at positive share p.
    """
    per_class = [value for name, value in metrics.items() if name.startswith("test_recall_")]
    if not per_class and {"test_recall", "test_balanced_accuracy"} <= metrics.keys():
        recall = metrics["test_recall"]
        per_class = [recall, 2 * metrics["test_balanced_accuracy"] - recall]
    if len(per_class) < 2 or any(pd.isna(value) for value in per_class):
        return None
    ordered = sorted(per_class, reverse=True)
    return bool(ordered[0] >= 1 - ONE_CLASS_TOLERANCE and ordered[1] <= ONE_CLASS_TOLERANCE)


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


def run_keys(run: Run) -> dict[str, str]:
    """Candidate grouping keys of a run: its config-group choice tags and its overridden keys (not the seed)."""
    keys = choice_tags(run)
    overridden = override_pairs(run.data.tags.get("overrides", ""))
    keys.update({key: value for key, value in overridden.items() if key != SEED and not key.startswith("hydra")})
    return keys


def runs_frame(runs: Sequence[Run]) -> tuple[pd.DataFrame, list[str]]:
    """One row per run: id, status, seed, candidate grouping keys, one-class flag and every metric; the candidates.

    Metrics are under :func:`metric_key` names; a grouping key a run lacks reads :data:`MISSING`. A reproduction
    takes the keys of the run it reproduces (when that run is among ``runs``) plus ``reproduces``: its own row.
    """
    keys_by_run = {run.info.run_id: run_keys(run) for run in runs}
    rows: list[dict[str, object]] = []
    candidates: dict[str, None] = {}
    for run in runs:
        keys = keys_by_run[run.info.run_id]
        if REPRODUCES in run.data.tags:
            original = run.data.tags[REPRODUCES]
            keys = {**keys_by_run.get(original, {}), **keys, REPRODUCES: original}
        candidates.update(dict.fromkeys(keys))
        seed = run.data.tags.get(SEED, run.data.params.get(SEED))
        metrics = canonical_metrics(run.data.metrics)
        rows.append(
            {RUN_ID: run.info.run_id, STATUS: run.info.status, SEED: seed, **keys,
             ONE_CLASS: one_class_run(metrics), **metrics}
        )  # fmt: skip
    frame = pd.DataFrame(rows)
    for key in candidates:
        frame[key] = frame[key].astype(object).fillna(MISSING)
    return frame, sorted(candidates)


def swept_keys(frame: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """The candidate keys whose value differs between runs."""
    return [key for key in candidates if key in frame and frame[key].astype(str).nunique(dropna=False) > 1]


def group_labels(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    if not keys:
        return pd.Series("all", index=frame.index)
    values = frame[list(keys)].astype(object).fillna(MISSING).astype(str)
    return values.apply(lambda row: ", ".join(f"{k}={v}" for k, v in row.items()), axis=1)


def paired_pvalue(first: np.ndarray, second: np.ndarray, test: str, seed: int = 0) -> float:
    """Two-sided p-value that ``first`` and ``second`` differ, runs paired by seed (NaN below 2 pairs; 1 when
    every paired difference is 0: identical runs show no difference, where the tests themselves give NaN).

    ``ttest``: :func:`scipy.stats.ttest_rel`; ``wilcoxon``: :func:`scipy.stats.wilcoxon`; ``bootstrap``: twice
    the smaller share of paired bootstrap resamples of the seeds whose mean difference is ≤ 0 or ≥ 0 (at most 1).
    """
    if len(first) < 2:
        return float("nan")
    difference = first - second
    if test in TESTS and not np.any(difference):
        return 1.0
    if test == "ttest":
        return float(stats.ttest_rel(first, second).pvalue)
    if test == "wilcoxon":
        return float(stats.wilcoxon(first, second).pvalue)
    if test == "bootstrap":
        rng = np.random.default_rng(seed)
        samples = difference[rng.integers(0, len(difference), size=(BOOTSTRAP_SAMPLES, len(difference)))]
        means = samples.mean(axis=1)
        return float(min(1.0, 2 * min(np.mean(means <= 0), np.mean(means >= 0))))
    raise ConfigurationError(f"--test must be one of {list(TESTS)}, got {test!r}")


@dataclass
class Comparison:
    """The paper table: one row per group, best first by the first metric.

    ``table`` columns: the grouping keys, ``group``, ``n`` (finished runs), ``failed`` (runs that did not
    finish; a group without a finished run comes last with n = 0), ``one_class`` (finished runs whose test
    predictions are one class, see :func:`one_class_run`), ``baseline``, and per metric ``m``: ``m_mean``,
    ``m_std`` (ddof 1), ``m_n``, ``m_p`` (paired test against the baseline), ``m_best`` (best mean of the
    column) and ``m_bold`` (the best, and significantly better than every other group at ``alpha``).
    """

    table: pd.DataFrame
    keys: list[str]
    metrics: list[str]
    baseline: str
    test: str = "ttest"
    alpha: float = 0.05
    higher_is_better: bool = True
    skipped: list[str] = field(default_factory=list)


def resolve_baseline(table: pd.DataFrame, keys: Sequence[str], baseline: str | None) -> str:
    """The group named by ``baseline``, default the first row: comma-separated parts, each ``key=value`` or a value
    of any grouping key (``plain``, ``loss=plain``, ``loss=plain,sampling=none``), or a group label."""
    finished = table[table["n"] > 0]
    if baseline is None:
        return str(finished[GROUP].iloc[0])
    hits = pd.Series(True, index=finished.index)
    for part in (part.strip() for part in baseline.split(",")):
        key, sep, value = part.partition("=")
        if sep and key in keys:
            hits &= finished[key].astype(str) == value
        else:
            hits &= (
                pd.concat([finished[key].astype(str) == part for key in keys], axis=1).any(axis=1) if keys else False
            )
    match = finished[hits | (finished[GROUP] == baseline)]
    if len(match) != 1:
        found = "no group" if match.empty else f"{len(match)} groups ({'; '.join(match[GROUP])})"
        raise ConfigurationError(
            f"--baseline {baseline!r} matches {found}; name one of: {'; '.join(finished[GROUP])} "
            "(values or key=value of the grouping keys, comma-separated)"
        )
    return str(match[GROUP].iloc[0])


def compare_groups(
    frame: pd.DataFrame,
    metrics: Sequence[str],
    keys: Sequence[str],
    baseline: str | None = None,
    higher_is_better: bool = True,
    test: str = "ttest",
    alpha: float = 0.05,
) -> Comparison:
    """Aggregate ``metrics`` per group over FINISHED runs and test every group against the baseline, by seed.

    Metrics logged by no run are skipped (and named in :attr:`Comparison.skipped`); none left is an error.
    """
    wanted = list(dict.fromkeys(metric_key(metric) for metric in metrics))
    present = [metric for metric in wanted if metric in frame and frame[metric].notna().any()]
    skipped = [metric for metric in wanted if metric not in present]
    if not present:
        raise ConfigurationError(
            f"metric {', '.join(map(repr, skipped))} is in none of the runs; logged metrics include "
            f"{metric_names(frame)}"
        )
    if skipped:
        logger.warning("Skipped, logged by no run: %s", ", ".join(skipped))
    frame = frame.assign(**{GROUP: group_labels(frame, keys)})
    finished = frame[frame[STATUS] == FINISHED]
    if finished[present[0]].isna().all():
        raise ConfigurationError(f"no FINISHED run has the metric {present[0]!r}")
    groups = frame.drop_duplicates(GROUP).set_index(GROUP)
    table = pd.DataFrame({GROUP: groups.index})
    for key in keys:
        table[key] = table[GROUP].map(groups[key])
    table["n"] = table[GROUP].map(finished.groupby(GROUP).size()).fillna(0).astype(int)
    table["failed"] = table[GROUP].map(frame[frame[STATUS] != FINISHED].groupby(GROUP).size()).fillna(0).astype(int)
    one_class = finished.get(ONE_CLASS, pd.Series(None, index=finished.index)).eq(True).groupby(finished[GROUP]).sum()
    table["one_class"] = table[GROUP].map(one_class).fillna(0).astype(int)
    for metric in present:
        summary = finished.groupby(GROUP)[metric].agg(["mean", "std", "count"])
        table[f"{metric}_mean"] = table[GROUP].map(summary["mean"])
        table[f"{metric}_std"] = table[GROUP].map(summary["std"])
        table[f"{metric}_n"] = table[GROUP].map(summary["count"]).fillna(0).astype(int)
    first = f"{present[0]}_mean"
    order = table[first] if higher_is_better else -table[first]
    table = table.iloc[np.argsort(-order.fillna(-np.inf).to_numpy(), kind="stable")].reset_index(drop=True)

    chosen = resolve_baseline(table, keys, baseline)
    table["baseline"] = table[GROUP] == chosen
    for metric in present:
        per_seed = finished.groupby([GROUP, SEED])[metric].mean().unstack(GROUP)
        table[f"{metric}_p"] = [pvalue(per_seed, chosen, group, test) for group in table[GROUP]]
        table[f"{metric}_best"], table[f"{metric}_bold"] = False, False
        means = table[f"{metric}_mean"]
        if means.isna().all():
            continue
        best = table.loc[means.idxmax() if higher_is_better else means.idxmin(), GROUP]
        others = [group for group in per_seed if group != best]
        significant = bool(others) and all(pvalue(per_seed, best, group, test) < alpha for group in others)
        table[f"{metric}_best"] = table[GROUP] == best
        table[f"{metric}_bold"] = table[f"{metric}_best"] & significant
    columns = [*keys, GROUP, "n", "failed", "one_class", "baseline"]
    columns += [f"{m}_{part}" for m in present for part in ("mean", "std", "n", "p", "best", "bold")]
    return Comparison(table[columns], list(keys), present, chosen, test, alpha, higher_is_better, skipped)


def pvalue(per_seed: pd.DataFrame, first: str, second: str, test: str) -> float:
    """Paired p-value of two groups' per-seed values (NaN for a group with itself or without values)."""
    if first == second or first not in per_seed or second not in per_seed:
        return float("nan")
    pair = per_seed[[first, second]].dropna()
    return paired_pvalue(pair[first].to_numpy(), pair[second].to_numpy(), test)


def metric_names(frame: pd.DataFrame) -> list[str]:
    fixed = {RUN_ID, STATUS, SEED, ONE_CLASS}
    return sorted(c for c in frame.columns if c not in fixed and pd.api.types.is_float_dtype(frame[c]))[:20]


def plot_groups(comparison: Comparison, path: Path) -> None:
    """Horizontal bars of the first metric's mean with std error bars, best first and highlighted."""
    table, metric = comparison.table, comparison.metrics[0]
    figure, axis = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    colors = ["tab:orange" if best else "tab:blue" for best in table[f"{metric}_best"]]
    axis.barh(table[GROUP], table[f"{metric}_mean"], xerr=table[f"{metric}_std"].fillna(0), color=colors, capsize=3)
    axis.invert_yaxis()
    axis.set_xlabel(f"{readable_metric(metric)}, mean ± std over seeds")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def epoch_curves(client: MlflowClient, frame: pd.DataFrame, names: Mapping[str, str], metric: str) -> pd.DataFrame:
    """Per-epoch history of ``metric`` of every FINISHED run: group, seed, run_id, epoch, value.

    ``names`` maps a run id to the name the run logged the metric under (see :func:`stored_name`).
    """
    rows = []
    for _, run in frame[frame[STATUS] == FINISHED].iterrows():
        if run[RUN_ID] not in names:
            continue
        for point in client.get_metric_history(run[RUN_ID], names[run[RUN_ID]]):
            rows.append(
                {GROUP: run[GROUP], SEED: run[SEED], RUN_ID: run[RUN_ID], "epoch": point.step, "value": point.value}
            )
    return pd.DataFrame(rows, columns=[GROUP, SEED, RUN_ID, "epoch", "value"])


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


def search_runs(
    client: MlflowClient, experiments: Sequence[str], sweep_id: str | None, parent_run_id: str | None = None
) -> list[Run]:
    """Runs of the named experiments (all experiments when none is named), of one sweep when ``sweep_id`` is set,
    children of one parent run when ``parent_run_id`` is (a search shared by several sweep processes)."""
    if experiments:
        ids = []
        for name in experiments:
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise ConfigurationError(f"MLflow experiment {name!r} not found at {client.tracking_uri}")
            ids.append(experiment.experiment_id)
    else:
        ids = [experiment.experiment_id for experiment in client.search_experiments()]
    clauses = [f"tags.sweep_id = '{sweep_id}'"] if sweep_id else []
    clauses += [f"tags.`{PARENT_TAG}` = '{parent_run_id}'"] if parent_run_id else []
    query = " and ".join(clauses)
    runs: list[Run] = []
    token = None
    while True:
        page = client.search_runs(ids, filter_string=query, max_results=1000, page_token=token)
        runs.extend(run for run in page if SWEEP_PARENT_TAG not in run.data.tags)  # a sweep's parent: no results
        token = page.token
        if not token:
            return runs


def compare(
    client: MlflowClient,
    experiments: Sequence[str],
    out: Path,
    metrics: Sequence[str] = ("test_f1",),
    curve_metric: str | None = "dev_f1",
    sweep_id: str | None = None,
    group_by: Sequence[str] | None = None,
    baseline: str | None = None,
    higher_is_better: bool = True,
    test: str = "ttest",
    alpha: float = 0.05,
    include_reproductions: bool = False,
    parent_run_id: str | None = None,
) -> Comparison:
    """Build the comparison and write every output into ``out``; return it."""
    runs = search_runs(client, experiments, sweep_id, parent_run_id)
    reproductions = [run for run in runs if REPRODUCES in run.data.tags]
    if reproductions and not include_reproductions:
        logger.info("Left out %d reproduction runs (--include-reproductions keeps them)", len(reproductions))
        runs = [run for run in runs if REPRODUCES not in run.data.tags]
    if not runs:
        raise ConfigurationError(f"no runs found in {list(experiments) or 'any experiment'} (sweep id {sweep_id!r})")
    frame, candidates = runs_frame(runs)
    keys = list(group_by) if group_by else swept_keys(frame, candidates)
    missing = [key for key in keys if key not in frame]
    if missing:
        raise ConfigurationError(f"--group-by {missing} not found; candidates are {candidates}")
    comparison = compare_groups(frame, metrics, keys, baseline, higher_is_better, test, alpha)
    out.mkdir(parents=True, exist_ok=True)
    comparison.table.to_csv(out / "comparison.csv", index=False)
    (out / "comparison.md").write_text(to_markdown(comparison), encoding="utf-8")
    (out / "comparison.tex").write_text(to_latex(comparison), encoding="utf-8")
    plot_groups(comparison, out / f"{comparison.metrics[0]}_by_group.png")
    if curve_metric:
        names = {run.info.run_id: stored_name(run.data.metrics, curve_metric) for run in runs}
        stored = {run_id: name for run_id, name in names.items() if name}
        curves = epoch_curves(client, frame.assign(**{GROUP: group_labels(frame, keys)}), stored, curve_metric)
        curves.to_csv(out / "curves.csv", index=False)
        if not curves.empty:
            plot_curves(curves, metric_key(curve_metric), out / f"{metric_key(curve_metric)}_curves.png")
    logger.info(
        "%d runs (%d finished), grouped by %s; outputs in %s", len(frame), comparison.table["n"].sum(), keys, out
    )
    return comparison


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="experiments-compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", action="append", default=[], help="MLflow experiment name (repeatable)")
    parser.add_argument("--sweep-id", help="only the runs of this sweep (the sweep_id tag: the sweep folder)")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db"),
        help="default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db",
    )
    parser.add_argument(
        "--metric", nargs="+", action="extend",
        help="metrics of the table, one column each, sorted by the first (test_f1 or test/f1; default test_f1)",
    )  # fmt: skip
    parser.add_argument("--curve-metric", default="dev_f1", help="per-epoch metric to plot; '' for none")
    parser.add_argument("--group-by", action="append", help="grouping key (repeatable); default: what varied")
    parser.add_argument(
        "--baseline", help="group the others are tested against: a value (plain) or key=value; default: the best"
    )
    parser.add_argument(
        "--lower-is-better", action="store_true", help="for losses and errors (implied for ECE and Brier)"
    )
    parser.add_argument("--test", choices=TESTS, default="ttest", help="paired test of each group vs the baseline")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level of the markers (default 0.05)")
    parser.add_argument(
        "--include-reproductions", action="store_true", help="keep runs of experiments-reproduce (tag reproduces)"
    )
    parser.add_argument("--out", type=Path, default=Path("comparison"), help="output folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry: prints the Markdown table and writes the files."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    client = MlflowClient(tracking_uri=args.tracking_uri)
    metrics = args.metric or ["test_f1"]
    try:
        comparison = compare(
            client,
            args.experiment,
            args.out,
            metrics=metrics,
            curve_metric=args.curve_metric or None,
            sweep_id=args.sweep_id,
            group_by=args.group_by,
            baseline=args.baseline,
            higher_is_better=not (args.lower_is_better or all(map(lower_is_better, metrics))),
            test=args.test,
            alpha=args.alpha,
            include_reproductions=args.include_reproductions,
        )
    except ConfigurationError as error:
        logger.error("%s", error)
        return 2
    sys.stdout.write((args.out / "comparison.md").read_text(encoding="utf-8"))
    first, table = comparison.metrics[0], comparison.table
    logger.info("best: %s (%s = %.4f)", table.loc[0, GROUP], first, table.loc[0, f"{first}_mean"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
