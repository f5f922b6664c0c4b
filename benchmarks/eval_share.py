"""Share of epoch time spent evaluating dev, for the framework's default settings (length-sorted scoring).

Trains MiniLM with ``experiments-train`` on a small budget, reads ``eval_runtime_s`` and
``train_runtime_s`` back from its MLflow run, and projects the share to the default data sizes
(2,000 training rows, the whole 2,733-row dev split) and to the whole training split.

    flock /tmp/bench.lock python benchmarks/eval_share.py --train-rows 2000 --dev-rows 3000 --epochs 2 --seeds 1
"""

from __future__ import annotations

import argparse

from common import budget_arguments, header, run_framework, scratch, show, wikiqa_subset


def share(train_rows: float, train_pps: float, dev_rows: float, eval_pps: float) -> float:
    return (dev_rows / eval_pps) / (dev_rows / eval_pps + train_rows / train_pps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    budget_arguments(parser, train_rows=600, dev_rows=500)
    args = parser.parse_args()
    header("Evaluation share of epoch time")
    work = scratch()
    data = wikiqa_subset(work / "data", args.train_rows, args.dev_rows)
    dev_rows = sum(1 for _ in (data / "WikiQA-dev.tsv").open()) - 1
    for seed in args.seeds[:1]:
        result = run_framework(data, work, seed, args.epochs, args.max_length)
        show(f"framework seed={seed}", result)
        eval_pps = dev_rows * args.epochs / result["eval_runtime_s"]
        train_pps = result["train_pairs_per_second"]
        measured = result["eval_runtime_s"] / result["train_runtime_s"]
        print(f"measured: train {args.train_rows} rows, dev {dev_rows} rows -> eval share {measured:.1%}")
        print(f"dev scoring {eval_pps:.1f} pairs/s, training {train_pps:.1f} pairs/s")
        print(f"projected, default run (2000 train rows, 2733 dev rows): {share(2000, train_pps, 2733, eval_pps):.1%}")
        whole = share(20360, train_pps, 2733, eval_pps)
        print(f"projected, whole training split (20360 rows, 2733 dev rows): {whole:.1%}")


if __name__ == "__main__":
    main()
