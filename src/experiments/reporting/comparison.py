"""The comparison itself: runs grouped, each metric aggregated over seeds, every group tested against a baseline.

Two tests stand side by side for every row and metric (:mod:`experiments.reporting.significance`): one over seeds
(runs paired by seed; it sees seed noise, and little else with three seeds) and the paired bootstrap over test
examples (each arm's seeds pooled; it needs the runs' saved test scores). The table's ``p`` is the *primary* one
(the example test where every compared run has test scores, else the seed test), Holm-adjusted over every row and
metric of the table. Each metric is ranked in its own direction (:mod:`experiments.evaluation.direction`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments.errors import ConfigurationError
from experiments.evaluation.direction import lower_is_better
from experiments.evaluation.test_scores import TestScores
from experiments.reporting.example_metrics import supported, unit_name
from experiments.reporting.example_metrics import units as count_units
from experiments.reporting.runs import (
    GROUP,
    MISSING,
    ONE_CLASS,
    REPRODUCES,
    RUN_ID,
    SEED,
    STATUS,
    group_labels,
    metric_key,
    metric_names,
)
from experiments.reporting.significance import (
    CONFIDENCE,
    RESAMPLES,
    SEED_TESTS,
    aso,
    example_bootstrap,
    holm,
    paired_pvalue,
    seed_interval,
)
from experiments.tracking.tags import FINISHED

logger = logging.getLogger(__name__)

EXAMPLES, SEEDS = "examples", "seeds"
PRIMARY_TESTS = (EXAMPLES, SEEDS)
TEST_PREFIX = "test_"
# Per metric m, in this order: the columns of Comparison.table.
METRIC_COLUMNS = (
    "mean", "std", "n", "delta", "p", "p_raw", "p_seeds", "seed_low", "seed_high", "p_examples", "low", "high",
    "aso", "best", "bold",
)  # fmt: skip


@dataclass
class Comparison:
    """The table of a comparison: one row per group, best first by the first metric (in its direction).

    ``table`` columns: the grouping keys, ``group``, ``n`` (finished runs), ``failed`` (runs that did not finish;
    a group without a finished run comes last with n = 0), ``one_class`` (finished runs whose test predictions are
    one class), ``baseline``, and per metric ``m`` (see :data:`METRIC_COLUMNS`): ``m_mean``, ``m_std`` (ddof 1),
    ``m_n``, ``m_delta`` (mean minus the baseline's mean), ``m_p`` (the primary test against the baseline,
    Holm-adjusted over the table; ``m_p_raw`` unadjusted), ``m_p_seeds`` with ``m_seed_low``/``m_seed_high``
    (paired over seeds: ``test``, and the t interval of the mean paired difference), ``m_p_examples`` with
    ``m_low``/``m_high`` (the bootstrap over test examples and its interval of the difference), ``m_aso``
    (ε_min of the row against the baseline, with ``aso``), ``m_best`` (best mean of the column) and ``m_bold``
    (the best, and better than every other row at Holm-adjusted p < ``alpha``).
    """

    table: pd.DataFrame
    keys: list[str]
    metrics: list[str]
    baseline: str
    test: str = "ttest"
    alpha: float = 0.05
    higher: dict[str, bool] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    primary: str = SEEDS
    correction: str = "holm"
    family: int = 0
    resamples: int = RESAMPLES
    confidence: float = CONFIDENCE
    units: dict[str, tuple[int, str]] = field(default_factory=dict)
    with_aso: bool = False
    notes: list[str] = field(default_factory=list)

    def higher_is_better(self, metric: str) -> bool:
        return self.higher.get(metric, not lower_is_better(metric))


def resolve_baseline(table: pd.DataFrame, keys: Sequence[str], baseline: str | None) -> str:
    """The group named by ``baseline``: comma-separated parts, each ``key=value`` or a value of any grouping key
    (``plain``, ``loss=plain``, ``loss=plain,sampling=none``), or a group label.

    Default: the best row (the first) among groups with the most seeds that are not reproductions
    (``experiments-reproduce`` runs: one run each, so a test against them has nothing to pair).
    """
    finished = table[table["n"] > 0]
    if baseline is None:
        candidates = finished
        if REPRODUCES in keys:
            candidates = candidates[candidates[REPRODUCES].astype(str) == MISSING]
        candidates = candidates if not candidates.empty else finished
        candidates = candidates[candidates["n"] >= min(2, int(candidates["n"].max()))]
        return str(candidates[GROUP].iloc[0])
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
    chosen = str(match[GROUP].iloc[0])
    if int(match["n"].iloc[0]) < 2:
        logger.warning("--baseline %s has one finished run: no seed-level p-value against it", chosen)
    return chosen


@dataclass
class _Arms:
    """The finished runs of the table, by group: per-seed values and saved test scores."""

    finished: pd.DataFrame
    scores: Mapping[str, TestScores]

    def per_seed(self, metric: str) -> pd.DataFrame:
        return self.finished.groupby([GROUP, SEED])[metric].mean().unstack(GROUP)

    def seed_values(self, metric: str, group: str) -> np.ndarray:
        return self.finished.loc[self.finished[GROUP] == group, metric].dropna().to_numpy(dtype=float)

    def run_scores(self, group: str) -> list[TestScores]:
        ids = self.finished.loc[self.finished[GROUP] == group, RUN_ID]
        return [self.scores[run_id] for run_id in ids if run_id in self.scores]

    def covered(self, group: str) -> bool:
        """Whether every finished run of ``group`` has saved test scores."""
        ids = self.finished.loc[self.finished[GROUP] == group, RUN_ID]
        return len(ids) > 0 and all(run_id in self.scores for run_id in ids)


def _pair_tests(
    arms: _Arms, metric: str, first: str, second: str, test: str, higher: bool, resamples: int, with_aso: bool
) -> dict[str, float]:
    """Every test of ``first`` against ``second`` on one metric (NaN where a test cannot be made)."""
    result = dict.fromkeys(("p_seeds", "seed_low", "seed_high", "p_examples", "low", "high", "aso"), float("nan"))
    per_seed = arms.per_seed(metric)
    if first in per_seed and second in per_seed:
        pair = per_seed[[first, second]].dropna()
        one, other = pair[first].to_numpy(), pair[second].to_numpy()
        result["p_seeds"] = paired_pvalue(one, other, test)
        result["seed_low"], result["seed_high"] = seed_interval(one, other)
    runs_first, runs_second = arms.run_scores(first), arms.run_scores(second)
    name = metric.removeprefix(TEST_PREFIX)
    if metric.startswith(TEST_PREFIX) and runs_first and runs_second and supported(runs_first[0], name):
        try:
            outcome = example_bootstrap(runs_first, runs_second, name, resamples)
        except ValueError as error:
            logger.warning("no test over examples of %s, %s vs %s: %s", metric, first, second, error)
        else:
            result.update(p_examples=outcome.p, low=outcome.low, high=outcome.high)
    if with_aso:
        sign = 1.0 if higher else -1.0
        result["aso"] = aso(sign * arms.seed_values(metric, first), sign * arms.seed_values(metric, second))
    return result


def choose_primary(arms: _Arms, groups: Sequence[str], metrics: Sequence[str], primary: str | None) -> str:
    """The test behind the table's ``p``: ``examples`` where every compared run has test scores, else ``seeds``."""
    if primary is not None:
        if primary not in PRIMARY_TESTS:
            raise ConfigurationError(f"--primary must be one of {list(PRIMARY_TESTS)}, got {primary!r}")
        return primary
    testable = any(metric.startswith(TEST_PREFIX) for metric in metrics)
    return EXAMPLES if testable and all(arms.covered(group) for group in groups) else SEEDS


def compare_groups(
    frame: pd.DataFrame,
    metrics: Sequence[str],
    keys: Sequence[str],
    baseline: str | None = None,
    lower: Collection[str] = (),
    test: str = "ttest",
    alpha: float = 0.05,
    scores: Mapping[str, TestScores] | None = None,
    primary: str | None = None,
    resamples: int = RESAMPLES,
    with_aso: bool = False,
) -> Comparison:
    """Aggregate ``metrics`` per group over FINISHED runs and test every group against the baseline.

    Args:
        frame: one row per run (:func:`experiments.reporting.runs.runs_frame`).
        metrics: table columns; the first sorts the rows.
        keys: grouping keys.
        baseline: see :func:`resolve_baseline`.
        lower: metrics to rank lower-is-better besides ECE and Brier (``metric_key`` spelling).
        test: the seed-level test (:data:`~experiments.reporting.significance.SEED_TESTS`).
        alpha: level of the markers, after Holm's adjustment.
        scores: saved test scores by run id, for the tests over test examples.
        primary: ``examples`` or ``seeds``; None chooses (:func:`choose_primary`).
        resamples: bootstrap resamples of the test over examples.
        with_aso: add ε_min of almost stochastic order over seeds.

    Metrics logged by no run are skipped (and named in :attr:`Comparison.skipped`); none left is an error.
    """
    if test not in SEED_TESTS:
        raise ConfigurationError(f"--test must be one of {list(SEED_TESTS)}, got {test!r}")
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
    forced = {metric_key(metric) for metric in lower}
    higher = {metric: not (metric in forced or lower_is_better(metric)) for metric in present}
    frame = frame.assign(**{GROUP: group_labels(frame, keys)})
    finished = frame[frame[STATUS] == FINISHED]
    if finished[present[0]].isna().all():
        raise ConfigurationError(f"no FINISHED run has the metric {present[0]!r}")
    table = _summary(frame, finished, keys, present)
    first = f"{present[0]}_mean"
    order = table[first] if higher[present[0]] else -table[first]
    table = table.iloc[np.argsort(-order.fillna(-np.inf).to_numpy(), kind="stable")].reset_index(drop=True)

    chosen = resolve_baseline(table, keys, baseline)
    table["baseline"] = table[GROUP] == chosen
    arms = _Arms(finished, scores or {})
    groups = [str(group) for group in table.loc[table["n"] > 0, GROUP]]
    primary = choose_primary(arms, groups, present, primary)
    notes: list[str] = []
    for metric in present:
        rows = [
            _pair_tests(arms, metric, group, chosen, test, higher[metric], resamples, with_aso)
            if group != chosen and group in groups else {}
            for group in table[GROUP]
        ]  # fmt: skip
        for column in ("p_seeds", "seed_low", "seed_high", "p_examples", "low", "high", "aso"):
            table[f"{metric}_{column}"] = [row.get(column, float("nan")) for row in rows]
        table[f"{metric}_delta"] = table[f"{metric}_mean"] - table.loc[table["baseline"], f"{metric}_mean"].iloc[0]
        table[f"{metric}_p_raw"] = table[f"{metric}_p_{primary}"]
        if primary == EXAMPLES and not metric.startswith(TEST_PREFIX):
            notes.append(f"{metric} is not a test-set metric: no test over examples")
    raw = np.concatenate([table[f"{metric}_p_raw"].to_numpy(dtype=float) for metric in present])
    adjusted = holm(raw).reshape(len(present), len(table))
    for index, metric in enumerate(present):
        table[f"{metric}_p"] = adjusted[index]
    _mark_best(table, arms, present, higher, test, primary, alpha, resamples)
    columns = [*keys, GROUP, "n", "failed", "one_class", "baseline"]
    columns += [f"{m}_{part}" for m in present for part in METRIC_COLUMNS]
    units = {}
    covered = [arms.scores[run_id] for run_id in finished[RUN_ID] if run_id in arms.scores]
    if covered:
        for metric in present:
            name = metric.removeprefix(TEST_PREFIX)
            if metric.startswith(TEST_PREFIX) and supported(covered[0], name):
                units[metric] = (count_units(covered[0], name), unit_name(name))
    return Comparison(
        table[columns], list(keys), present, chosen, test, alpha, higher, skipped, primary, "holm",
        int(np.isfinite(raw).sum()), resamples, CONFIDENCE, units, with_aso, notes,
    )  # fmt: skip


def _summary(frame: pd.DataFrame, finished: pd.DataFrame, keys: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """One row per group: keys, run counts, and mean / std / n of every metric over finished runs."""
    groups = frame.drop_duplicates(GROUP).set_index(GROUP)
    table = pd.DataFrame({GROUP: groups.index})
    for key in keys:
        table[key] = table[GROUP].map(groups[key])
    table["n"] = table[GROUP].map(finished.groupby(GROUP).size()).fillna(0).astype(int)
    table["failed"] = table[GROUP].map(frame[frame[STATUS] != FINISHED].groupby(GROUP).size()).fillna(0).astype(int)
    one_class = finished.get(ONE_CLASS, pd.Series(None, index=finished.index)).eq(True).groupby(finished[GROUP]).sum()
    table["one_class"] = table[GROUP].map(one_class).fillna(0).astype(int)
    for metric in metrics:
        summary = finished.groupby(GROUP)[metric].agg(["mean", "std", "count"])
        table[f"{metric}_mean"] = table[GROUP].map(summary["mean"])
        table[f"{metric}_std"] = table[GROUP].map(summary["std"])
        table[f"{metric}_n"] = table[GROUP].map(summary["count"]).fillna(0).astype(int)
    return table


def _mark_best(
    table: pd.DataFrame,
    arms: _Arms,
    metrics: Sequence[str],
    higher: Mapping[str, bool],
    test: str,
    primary: str,
    alpha: float,
    resamples: int,
) -> None:
    """``m_best``: the best mean of each column; ``m_bold``: the best, and better than every other row by the primary
    test at Holm-adjusted p < ``alpha`` (the family: the best against every other row, over every metric)."""
    family: list[tuple[str, float]] = []
    best_of: dict[str, str] = {}
    for metric in metrics:
        table[f"{metric}_best"], table[f"{metric}_bold"] = False, False
        means = table[f"{metric}_mean"]
        if means.isna().all():
            continue
        best = str(table.loc[means.idxmax() if higher[metric] else means.idxmin(), GROUP])
        best_of[metric] = best
        table[f"{metric}_best"] = table[GROUP] == best
        for group in table.loc[(table["n"] > 0) & (table[GROUP] != best), GROUP]:
            outcome = _pair_tests(arms, metric, best, str(group), test, higher[metric], resamples, False)
            family.append((metric, outcome[f"p_{primary}"]))
    adjusted = holm([p for _, p in family])
    for metric, best in best_of.items():
        mine = [p for (name, _), p in zip(family, adjusted, strict=True) if name == metric]
        table[f"{metric}_bold"] = (table[GROUP] == best) & bool(mine) & bool(np.all(np.asarray(mine) < alpha))
