"""Time the threshold search on many tied scores against scikit-learn and sentence-transformers.

Compared, on the same scores (rounded so that ties are frequent):
- ``best_thresholds``: all four metrics (accuracy, F1, F-beta, MCC) in one sort and one pass;
- scikit-learn ``precision_recall_curve`` followed by argmax of F1 (F1 only, vectorised);
- sentence-transformers ``BinaryClassificationEvaluator.find_best_acc_and_threshold`` and
  ``find_best_f1_and_threshold`` (a Python loop over the rows, one metric each);
- optionally a brute force with scikit-learn's metric functions at ``--brute-cuts`` candidate
  thresholds (each cut is a full O(n) pass), reported per cut and extrapolated to all cuts.

Usage: python benchmarks/thresholds.py [--n 1000000] [--decimals 3] [--repeats 3] [--brute-cuts 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np
from sentence_transformers.sentence_transformer.evaluation import BinaryClassificationEvaluator
from sklearn.metrics import f1_score, precision_recall_curve

from experiments.evaluation.thresholds import best_thresholds


def timed(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Best wall time over ``repeats`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def sklearn_f1(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(precision), where=total > 0)
    best = int(np.argmax(f1[:-1]))
    return float(f1[best]), float(thresholds[best])  # predicts positive when score >= threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of scores")
    parser.add_argument("--decimals", type=int, default=3, help="scores are rounded to this many decimals (ties)")
    parser.add_argument("--positive-rate", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (the Python loops run once)")
    parser.add_argument("--brute-cuts", type=int, default=20, help="cuts timed for the sklearn brute force; 0 = skip")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    labels = (rng.random(args.n) < args.positive_rate).astype(np.int64)
    scores = np.round(1 / (1 + np.exp(-rng.normal(-2 + 2.5 * labels, 1.5))), args.decimals)
    distinct = len(np.unique(scores))

    rows: list[tuple[str, str, float, str]] = []
    seconds, choices = timed(lambda: best_thresholds(scores, labels, 1.0), args.repeats)
    ours = f"acc {choices['accuracy'].value:.4f}, F1 {choices['f1'].value:.4f}"  # type: ignore[index]
    rows.append(("best_thresholds (this project)", "acc+F1+Fβ+MCC", seconds, ours))
    seconds, (f1, _) = timed(lambda: sklearn_f1(scores, labels), args.repeats)
    rows.append(("sklearn precision_recall_curve + argmax", "F1", seconds, f"F1 {f1:.4f}"))
    seconds, (accuracy, _) = timed(
        lambda: BinaryClassificationEvaluator.find_best_acc_and_threshold(scores, labels, True), 1
    )
    rows.append(("sentence-transformers find_best_acc_and_threshold", "accuracy", seconds, f"acc {accuracy:.4f}"))
    seconds, result = timed(lambda: BinaryClassificationEvaluator.find_best_f1_and_threshold(scores, labels, True), 1)
    rows.append(("sentence-transformers find_best_f1_and_threshold", "F1", seconds, f"F1 {result[0]:.4f}"))
    if args.brute_cuts:
        cuts = np.quantile(scores, np.linspace(0, 1, args.brute_cuts))
        seconds, _ = timed(lambda: [f1_score(labels, (scores > cut).astype(int)) for cut in cuts], 1)
        per_cut = seconds / args.brute_cuts
        rows.append((f"sklearn f1_score per cut (x {distinct} cuts, extrapolated)", "F1", per_cut * distinct, "-"))

    print(
        f"n = {args.n:,} scores, {distinct:,} distinct (rounded to {args.decimals} decimals), "
        f"{labels.mean():.1%} positive; best of {args.repeats} for the vectorised searches"
    )
    width = max(len(row[0]) for row in rows)
    print(f"| {'method':<{width}} | metrics        | seconds  | x ours | best values")
    print(f"|{'-' * (width + 2)}|----------------|----------|--------|------------")
    base = rows[0][2]
    for name, metrics, seconds, values in rows:
        print(f"| {name:<{width}} | {metrics:<14} | {seconds:8.3f} | {seconds / base:6.1f} | {values}")
    print("command: python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
