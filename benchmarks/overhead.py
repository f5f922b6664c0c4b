"""Framework overhead: the plain sentence-transformers script against ``experiments-train``, same settings.

Same model (MiniLM-L6), rows, hyper-parameters and seed; the framework with ``trainer.group_by_length=false``
(random batches, as the plain script) and ``trainer.save_checkpoints=false`` (the plain script saves none).
The two alternate in one run. Run it under the shared lock:

    flock /tmp/bench.lock python benchmarks/overhead.py --train-rows 800 --dev-rows 500 --seeds 1 2
"""

from __future__ import annotations

import argparse

from common import budget_arguments, header, mean, run_framework, run_plain, scratch, show, wikiqa_subset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    budget_arguments(parser)
    args = parser.parse_args()
    header("Framework overhead (plain script vs experiments-train, group_by_length=false)")
    work = scratch()
    data = wikiqa_subset(work / "data", args.train_rows, args.dev_rows)
    print(
        f"rows: train {args.train_rows}, dev/test ~{args.dev_rows}; epochs {args.epochs}; max_length {args.max_length}"
    )
    plain, framework = [], []
    for seed in args.seeds:
        plain.append(run_plain(data, work, seed, args.epochs, args.max_length))
        show(f"plain seed={seed}", plain[-1])
        framework.append(run_framework(data, work, seed, args.epochs, args.max_length, "trainer.group_by_length=false"))
        show(f"framework seed={seed}", framework[-1])
    print()
    for key in ("wall_s", "train_runtime_s"):
        print(f"ratio framework/plain {key}: {mean(framework, key) / mean(plain, key):.3f}")
    for key in ("dev_f1", "dev_average_precision"):
        print(f"mean {key}: plain {mean(plain, key):.4f}  framework {mean(framework, key):.4f}")


if __name__ == "__main__":
    main()
