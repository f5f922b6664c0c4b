"""Peak resident memory of one default run (and of the plain script) and of a 4-job local sweep (joblib launcher).

Resident memory of the whole process tree (the Hydra process and its joblib workers), sampled every
0.2 s; the peak of the sum is reported. MiniLM, small budgets. Run it under the shared lock:

    flock /tmp/bench.lock python benchmarks/memory.py --train-rows 2000 --dev-rows 3000 --epochs 2

``--train-rows/--dev-rows/--epochs`` size the single run (the values above are the default run's: 2,000 training
rows, whole dev and test splits, 2 epochs); the sweep's jobs are smaller (``--sweep-train-rows``), since memory
depends on the model and the batch, not on the number of rows.
"""

from __future__ import annotations

import argparse
import subprocess
import time

import psutil
from common import (
    ENV,
    ROOT,
    budget_arguments,
    framework_command,
    header,
    plain_command,
    scratch,
    sweep_command,
    wikiqa_subset,
)


def peak_tree_rss(command: list[str]) -> tuple[float, float]:
    """(peak summed RSS of the process tree in MiB, wall seconds)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    if process.returncode != 0:
        raise RuntimeError(process.stderr.read().decode()[-4000:] if process.stderr else "failed")
    return peak / 2**20, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    budget_arguments(parser, train_rows=200, dev_rows=200)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--sweep-train-rows", type=int, default=200)
    parser.add_argument("--sweep-dev-rows", type=int, default=200)
    args = parser.parse_args()
    header("Peak resident memory")
    work = scratch()
    data = wikiqa_subset(work / "data", args.train_rows, args.dev_rows)
    print(f"rows: train {args.train_rows}, dev/test ~{args.dev_rows}; epochs {args.epochs}; {args.max_length} tokens")
    single = framework_command(data, work, 1, args.epochs, args.max_length)
    rss, wall = peak_tree_rss(single)
    print(f"one run (experiments-train): peak RSS {rss:.0f} MiB ({wall:.0f} s)")
    rss, wall = peak_tree_rss(plain_command(data, work, 1, args.epochs, args.max_length))
    print(f"the same run by the plain sentence-transformers script: peak RSS {rss:.0f} MiB ({wall:.0f} s)")
    data = wikiqa_subset(work / "sweep-data", args.sweep_train_rows, args.sweep_dev_rows)
    print(f"sweep jobs: train {args.sweep_train_rows}, dev/test ~{args.sweep_dev_rows}")
    seeds = ",".join(str(seed) for seed in range(1, args.jobs + 1))
    sweep = sweep_command(
        data,
        work,
        args.epochs,
        args.max_length,
        f"seed={seeds}",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={args.jobs}",
    )
    rss, wall = peak_tree_rss(sweep)
    print(
        f"{args.jobs}-job joblib sweep (n_jobs={args.jobs}): peak RSS of the process tree {rss:.0f} MiB ({wall:.0f} s)"
    )


if __name__ == "__main__":
    main()
