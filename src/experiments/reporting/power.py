"""How many seeds a comparison needs: the power of the two-sided paired t-test, from scipy's noncentral t.

With n seeds paired by seed, the t statistic of the mean difference follows a noncentral t with n − 1 degrees of
freedom and noncentrality δ / (σ_d / √n), where σ_d is the spread of the per-seed differences (Cohen 1988, ch. 2).
The seeds needed are the smallest n whose power reaches the target. σ_d measured on three seeds is itself
uncertain (two degrees of freedom), so the answer is a planning figure, not a guarantee.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from scipy import stats

MAX_SEEDS = 1000


def paired_t_power(seeds: int, difference: float, spread: float, alpha: float = 0.05) -> float:
    """Power of the two-sided paired t-test at level ``alpha`` with ``seeds`` pairs, true mean difference
    ``difference`` and standard deviation of the paired differences ``spread``."""
    if seeds < 2:
        return float("nan")
    if spread == 0:
        return 1.0 if difference else alpha
    freedom = seeds - 1
    shift = abs(difference) / (spread / math.sqrt(seeds))
    critical = stats.t.ppf(1 - alpha / 2, freedom)
    power = float(stats.nct.sf(critical, freedom, shift) + stats.nct.cdf(-critical, freedom, shift))
    if not math.isfinite(power):  # scipy's nct gives NaN far in the tail, where the normal approximation is exact
        power = float(stats.norm.sf(critical - shift) + stats.norm.cdf(-critical - shift))
    return power


def seeds_needed(difference: float, spread: float, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """The fewest seeds (≥ 2) whose paired t-test detects ``difference`` with at least ``power``; None past
    :data:`MAX_SEEDS` or when nothing is to be detected (a difference of 0, or an unknown spread)."""
    if not math.isfinite(difference) or not math.isfinite(spread) or difference == 0:
        return None
    low, high = 2, MAX_SEEDS
    if paired_t_power(high, difference, spread, alpha) < power:
        return None
    while low < high:  # power grows with the seeds
        middle = (low + high) // 2
        if paired_t_power(middle, difference, spread, alpha) >= power:
            high = middle
        else:
            low = middle + 1
    return low


def power_rows(
    per_seed: pd.DataFrame,
    baseline: str,
    metric: str,
    differences: Sequence[float] = (),
    alpha: float = 0.05,
    target: float = 0.8,
) -> list[dict[str, object]]:
    """For every group against ``baseline`` (columns of ``per_seed``, one row per seed): the mean paired difference,
    the spread of the paired differences, the power of the seeds at hand to detect that difference, and the seeds
    needed to detect it (and each of ``differences``) with power ``target`` at level ``alpha``."""
    rows: list[dict[str, object]] = []
    for group in per_seed.columns:
        if group == baseline:
            continue
        pair = per_seed[[group, baseline]].dropna()
        if len(pair) < 2:
            continue
        paired = (pair[group] - pair[baseline]).to_numpy(dtype=float)
        mean, spread = float(paired.mean()), float(paired.std(ddof=1))
        row: dict[str, object] = {
            "group": group, "metric": metric, "seeds": len(paired), "difference": mean, "spread": spread,
            "power": paired_t_power(len(paired), mean, spread, alpha), "seeds_needed": seeds_needed(
                mean, spread, alpha, target),
        }  # fmt: skip
        for wanted in differences:
            row[f"seeds_needed_{wanted:g}"] = seeds_needed(wanted, spread, alpha, target)
        rows.append(row)
    return rows
