"""Jobs per hour of a quick grid with the joblib launcher on this machine, and the start-up share of a job.

A 2 × 2 grid (seeds × learning rates) of small MiniLM runs, ``n_jobs`` workers. Start-up is measured
apart: a fresh interpreter importing the runner, and loading MiniLM. Under the shared lock:

    flock /tmp/bench.lock python benchmarks/sweep_throughput.py --train-rows 200 --dev-rows 200 --n-jobs 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import ENV, ROOT, budget_arguments, header, scratch, sweep_command, wikiqa_subset

IMPORT = "import time; t = time.perf_counter(); import experiments.run.runner; print(time.perf_counter() - t)"
LOAD = (
    "import experiments.run.runner, time; from experiments.models import load_cross_encoder; t = time.perf_counter(); "
    "load_cross_encoder(1, 'sentence-transformers/all-MiniLM-L6-v2', max_length=128); print(time.perf_counter() - t)"
)


def seconds(code: str) -> float:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    budget_arguments(parser, train_rows=200, dev_rows=200)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    header("Sweep throughput (joblib launcher)")
    work = scratch()
    data = wikiqa_subset(work / "data", args.train_rows, args.dev_rows)
    import_s, load_s = seconds(IMPORT), seconds(LOAD)
    command = sweep_command(
        data,
        work,
        args.epochs,
        args.max_length,
        "seed=1,2",
        "trainer.learning_rate=2e-5,5e-5",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={args.n_jobs}",
    )
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=ENV, check=True, capture_output=True)
    wall = time.perf_counter() - start

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{work}/mlflow.db")
    runs = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    jobs = len(runs)
    run_s = [(run.info.end_time - run.info.start_time) / 1000 for run in runs]
    train_s = [run.data.metrics["train_runtime_s"] for run in runs]
    slot_s = wall * args.n_jobs / jobs
    print(f"rows: train {args.train_rows}, dev/test ~{args.dev_rows}; epochs {args.epochs}; grid of {jobs} jobs")
    print(f"sweep wall {wall:.0f} s with n_jobs={args.n_jobs}: {jobs / wall * 3600:.0f} jobs/hour")
    print(f"per job: {slot_s:.0f} s of a worker, run {sum(run_s) / jobs:.0f} s, train() {sum(train_s) / jobs:.0f} s")
    print(f"start-up: imports {import_s:.1f} s (fresh interpreter), MiniLM load {load_s:.1f} s")
    print(f"start-up share of a job (imports + load over worker time per job): {(import_s + load_s) / slot_s:.1%}")
    print(f"outside trainer.train (start-up, data, test scoring, logging): {1 - sum(train_s) / jobs / slot_s:.1%}")


if __name__ == "__main__":
    main()
