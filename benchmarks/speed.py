"""Training throughput with length-grouped batches against the plain script's random batches, and overhead.

Plain sentence-transformers script (random batches) and ``experiments-train`` with its default
``trainer.group_by_length=true``, and the framework with random batches (``trainer.group_by_length=false``,
the plain script's batches: its wall-time ratio to the plain script is the framework's overhead), alternated
per seed in one run. Run it under the shared lock:

    flock /tmp/bench.lock python benchmarks/speed.py --train-rows 2000 --dev-rows 3000 --epochs 2 --seeds 1 2
"""

from __future__ import annotations

import argparse

from common import budget_arguments, header, mean, run_framework, run_plain, scratch, show, wikiqa_subset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    budget_arguments(parser)
    parser.add_argument("--skip-framework-random", action="store_true", help="only plain vs grouped")
    args = parser.parse_args()
    header("Length-grouped batching: training throughput and dev metrics")
    work = scratch()
    data = wikiqa_subset(work / "data", args.train_rows, args.dev_rows)
    print(
        f"rows: train {args.train_rows}, dev/test ~{args.dev_rows}; epochs {args.epochs}; max_length {args.max_length}"
    )
    arms: dict[str, list[dict[str, float]]] = {"plain": [], "framework grouped": [], "framework random": []}
    for seed in args.seeds:
        arms["plain"].append(run_plain(data, work, seed, args.epochs, args.max_length))
        show(f"plain seed={seed}", arms["plain"][-1])
        arms["framework grouped"].append(run_framework(data, work, seed, args.epochs, args.max_length))
        show(f"framework grouped seed={seed}", arms["framework grouped"][-1])
        if not args.skip_framework_random:
            arms["framework random"].append(
                run_framework(data, work, seed, args.epochs, args.max_length, "trainer.group_by_length=false")
            )
            show(f"framework random seed={seed}", arms["framework random"][-1])
    print()
    if arms["framework random"]:  # the framework's overhead: the same random batches as the plain script
        for key in ("wall_s", "train_runtime_s"):
            ratio = mean(arms["framework random"], key) / mean(arms["plain"], key)
            print(f"overhead, framework random / plain, {key}: {ratio:.3f}")
    base = mean(arms["plain"], "train_pairs_per_second")
    for name, results in arms.items():
        if results:
            pps = mean(results, "train_pairs_per_second")
            print(
                f"{name:<18} train pairs/s {pps:.2f} ({pps / base:.2f}x plain)  "
                f"dev_f1 {mean(results, 'dev_f1'):.4f} (seeds {[round(r['dev_f1'], 4) for r in results]})  "
                f"dev_AP {mean(results, 'dev_average_precision'):.4f} "
                f"(seeds {[round(r['dev_average_precision'], 4) for r in results]})"
            )


if __name__ == "__main__":
    main()
