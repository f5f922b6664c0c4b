"""``experiments-compare``: a paper table of a sweep from MLflow, grouped by the swept choices, over seeds.

Reads the runs of one or more experiments (or of one sweep id), groups them by what varied between runs,
aggregates each metric over seeds (mean ± std, n), sorts by the first metric in its direction, and tests every
group against a baseline twice: over seeds (runs paired by seed) and, where the runs saved their test scores, by
a paired bootstrap over the test examples (questions for MAP/MRR) with each group's seeds pooled. The table's p is
Holm-adjusted over all its rows and metrics; ``--aso`` adds almost stochastic order, ``--power`` the seeds each
comparison would need. Runs of ``experiments-reproduce`` are left out unless asked for. Writes
``comparison.md`` (table, caption, every test), ``comparison.csv``, ``comparison.tex``, a bar plot of the first
metric, per-epoch curves (``curves.csv`` and a plot) and, with ``--power``, ``power.csv``.

Example::

    experiments-compare --experiment imbalance-grid --metric test_f1 test_mcc --baseline plain --out results/
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.reporting.comparison import PRIMARY_TESTS, Comparison, compare_groups
from experiments.reporting.paper_table import (
    WIDTHS,
    readable_group,
    readable_metric,
    tests_markdown,
    to_latex,
    to_markdown,
)
from experiments.reporting.plots import plot_curves, plot_groups
from experiments.reporting.power import power_rows
from experiments.reporting.runs import (
    GROUP,
    REPRODUCES,
    RUN_ID,
    SEED,
    STATUS,
    epoch_curves,
    group_labels,
    load_test_scores,
    metric_key,
    runs_frame,
    search_runs,
    stored_name,
    swept_keys,
)
from experiments.reporting.significance import RESAMPLES, SEED_TESTS
from experiments.tracking.tags import FINISHED

logger = logging.getLogger(__name__)


def compare(
    client: MlflowClient,
    experiments: Sequence[str],
    out: Path,
    metrics: Sequence[str] = ("test_f1",),
    curve_metric: str | None = "dev_f1",
    sweep_id: str | None = None,
    group_by: Sequence[str] | None = None,
    baseline: str | None = None,
    lower: Sequence[str] = (),
    test: str = "ttest",
    alpha: float = 0.05,
    include_reproductions: bool = False,
    primary: str | None = None,
    resamples: int = RESAMPLES,
    with_aso: bool = False,
    power: Sequence[float] | None = None,
    power_target: float = 0.8,
    latex_width: str = "column",
    parent_run_id: str | None = None,
) -> Comparison:
    """Build the comparison and write every output into ``out``; return it.

    ``lower``: metrics ranked lower-is-better besides ECE and Brier. ``power``: None for no power report, else the
    differences to plan for (an empty list: the differences measured). ``parent_run_id``: only that parent's
    children (a search shared by several sweep processes).
    """
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
    finished_ids = frame.loc[frame[STATUS] == FINISHED, RUN_ID]
    scores = load_test_scores(client, finished_ids)
    comparison = compare_groups(
        frame, metrics, keys, baseline, lower, test, alpha, scores, primary, resamples, with_aso
    )
    out.mkdir(parents=True, exist_ok=True)
    comparison.table.to_csv(out / "comparison.csv", index=False)
    markdown = to_markdown(comparison) + "\n## Tests against the baseline\n\n" + tests_markdown(comparison)
    grouped = frame.assign(**{GROUP: group_labels(frame, keys)})
    if power is not None:
        report = power_report(grouped, comparison, power, power_target)
        report.to_csv(out / "power.csv", index=False)
        markdown += "\n## Seeds needed\n\n" + power_markdown(report, comparison, power, power_target)
    (out / "comparison.md").write_text(markdown, encoding="utf-8")
    (out / "comparison.tex").write_text(to_latex(comparison, latex_width), encoding="utf-8")
    plot_groups(comparison, out / f"{comparison.metrics[0]}_by_group.png")
    if curve_metric:
        names = {run.info.run_id: stored_name(run.data.metrics, curve_metric) for run in runs}
        stored = {run_id: name for run_id, name in names.items() if name}
        curves = epoch_curves(client, grouped, stored, curve_metric)
        curves.to_csv(out / "curves.csv", index=False)
        if not curves.empty:
            plot_curves(curves, metric_key(curve_metric), out / f"{metric_key(curve_metric)}_curves.png")
    logger.info(
        "%d runs (%d finished, %d with test scores), grouped by %s; p from the %s test; outputs in %s",
        len(frame), comparison.table["n"].sum(), len(scores), keys, comparison.primary, out,
    )  # fmt: skip
    return comparison


def power_report(
    grouped: pd.DataFrame, comparison: Comparison, differences: Sequence[float], target: float
) -> pd.DataFrame:
    """:func:`~experiments.reporting.power.power_rows` of every metric, from the finished runs paired by seed."""
    finished = grouped[grouped[STATUS] == FINISHED]
    rows = []
    for metric in comparison.metrics:
        per_seed = finished.groupby([GROUP, SEED])[metric].mean().unstack(GROUP)
        rows += power_rows(per_seed, comparison.baseline, metric, differences, comparison.alpha, target)
    return pd.DataFrame(rows)


def power_markdown(report: pd.DataFrame, comparison: Comparison, differences: Sequence[float], target: float) -> str:
    """The power report as a Markdown table with a note on what it assumes."""
    if report.empty:
        return "No group shares two or more seeds with the baseline: no spread to plan from.\n"
    headers = ["Row", "Metric", "seeds", "Δ (paired)", "sd of Δ", "power now", "seeds for Δ"]
    headers += [f"seeds for {wanted:g}" for wanted in differences]
    lines = ["| " + " | ".join(headers) + " |", "|---|---|" + "---:|" * (len(headers) - 2)]

    def seeds(value: object) -> str:
        return "–" if value is None or pd.isna(value) else f"{int(value)}"

    for _, row in report.iterrows():
        cells = [
            readable_group(comparison, row["group"]), readable_metric(row["metric"]), str(row["seeds"]),
            f"{row['difference']:+.4f}".replace("-", "−"), f"{row['spread']:.4f}", f"{row['power']:.2f}",
            seeds(row["seeds_needed"]),
        ]  # fmt: skip
        cells += [seeds(row[f"seeds_needed_{wanted:g}"]) for wanted in differences]
        lines.append("| " + " | ".join(cells) + " |")
    note = (
        f"Seeds (pairs with the baseline) for a two-sided paired t-test at α = {comparison.alpha:g} to reach power "
        f"{target:g}, from the noncentral t with the spread of the paired differences measured here (on few seeds "
        "that spread is itself uncertain: a planning figure). –: not reachable within 1,000 seeds, or no difference."
    )
    return "\n".join(lines) + "\n\n" + note + "\n"


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
        "--baseline",
        help="group the others are tested against: a value (plain) or key=value; default: the best row with "
        "the most seeds that is not a reproduction",
    )
    parser.add_argument(
        "--lower-is-better", nargs="*", metavar="METRIC",
        help="these metrics (none named: every metric of the table) rank lower-is-better; ECE and Brier always do",
    )  # fmt: skip
    parser.add_argument("--test", choices=SEED_TESTS, default="ttest", help="the test over seeds (default ttest)")
    parser.add_argument(
        "--primary", choices=PRIMARY_TESTS,
        help="the test behind the table's p: examples (bootstrap over test examples; the default where every run "
        "saved its test scores) or seeds (--test)",
    )  # fmt: skip
    parser.add_argument("--resamples", type=int, default=RESAMPLES, help="bootstrap resamples (default 10,000)")
    parser.add_argument("--aso", action="store_true", help="add almost stochastic order (ε_min) over seeds")
    parser.add_argument(
        "--power", nargs="*", type=float, metavar="DIFFERENCE",
        help="report the seeds each comparison needs to detect its measured difference (and these differences)",
    )  # fmt: skip
    parser.add_argument("--power-target", type=float, default=0.8, help="power the --power report plans for")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level after Holm (default 0.05)")
    parser.add_argument(
        "--include-reproductions", action="store_true", help="keep runs of experiments-reproduce (tag reproduces)"
    )
    parser.add_argument(
        "--latex-width", choices=WIDTHS, default="column",
        help="column: a table for one column of a two-column page (scaled down if wider); page: table* across both",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("comparison"), help="output folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry: prints the Markdown table and its tests and writes the files."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    client = MlflowClient(tracking_uri=args.tracking_uri)
    metrics = args.metric or ["test_f1"]
    lower = metrics if args.lower_is_better == [] else (args.lower_is_better or [])
    try:
        if args.resamples < 1:
            raise ConfigurationError(f"--resamples must be at least 1, got {args.resamples}")
        comparison = compare(
            client,
            args.experiment,
            args.out,
            metrics=metrics,
            curve_metric=args.curve_metric or None,
            sweep_id=args.sweep_id,
            group_by=args.group_by,
            baseline=args.baseline,
            lower=lower,
            test=args.test,
            alpha=args.alpha,
            include_reproductions=args.include_reproductions,
            primary=args.primary,
            resamples=args.resamples,
            with_aso=args.aso,
            power=args.power,
            power_target=args.power_target,
            latex_width=args.latex_width,
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
