"""Wall time of one optuna search run by N sweep processes against one process, on the same budget.

The same search (``hydra/sweeper=optuna_shared``: the tiny random BERT of ``experiment=smoke`` on WikiQA subsets,
``trainer.learning_rate`` drawn log-uniformly in [1e-5, 1e-1], no pruner so that every trial trains every epoch)
with ``--trials`` trials in all: once by one process asking for one trial at a time, once by ``--processes``
processes started together, each asking for its share, all on one study in a SQLite optuna database and one SQLite
MLflow store. The wall time runs from the first start to the last exit. Under the shared lock:

    flock /tmp/bench.lock python benchmarks/shared_search.py --trials 8 --processes 2 --repeats 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from common import ENV, ROOT, header, markdown_table, scratch, wikiqa_subset


def search_command(data: Path, work: Path, trials: int, epochs: int, index: int) -> list[str]:
    return [
        sys.executable, "-m", "experiments.train", "-m", "experiment=smoke", f"data.root={data}",
        "data.max_train_rows=null", f"trainer.epochs={epochs}", "hydra/sweeper=optuna_shared",
        f"hydra.sweeper.storage=sqlite:///{work}/optuna.db", "hydra.sweeper.study_name=timing",
        f"hydra.sweeper.n_trials={trials}", f"hydra.sweeper.sampler.seed={index}",
        "trainer.learning_rate=tag(log, interval(1e-5, 1e-1))",
        f"tracking.tracking_uri=sqlite:///{work}/mlflow.db", f"hydra.sweep.dir={work}/process-{index}",
    ]  # fmt: skip


def search(data: Path, processes: int, trials: int, epochs: int) -> tuple[float, int]:
    """Wall seconds of the search with ``processes`` processes, and the number of trials the study holds."""
    import optuna

    work = scratch()
    shares = [trials // processes + (index < trials % processes) for index in range(processes)]
    start = time.perf_counter()
    logs = [(work / f"process-{index}.log").open("w") for index in range(processes)]
    running = [
        subprocess.Popen(search_command(data, work, share, epochs, index), cwd=ROOT, env=ENV, stdout=log, stderr=log)
        for index, (share, log) in enumerate(zip(shares, logs, strict=True))
    ]
    codes = [process.wait() for process in running]
    wall = time.perf_counter() - start
    for log in logs:
        log.close()
    if any(codes):
        raise SystemExit(f"a search process failed: {codes}; logs in {work}")
    study = optuna.load_study(study_name="timing", storage=f"sqlite:///{work}/optuna.db")
    return wall, len(study.trials)


def load_average() -> str:
    """The 1-minute load average (other work on the machine), or "?" where the system does not say."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-rows", type=int, default=200)
    parser.add_argument("--dev-rows", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1, help="alternate the two set-ups this many times")
    args = parser.parse_args()
    header(f"One optuna search: {args.processes} processes against 1, {args.trials} trials")
    data = wikiqa_subset(scratch() / "data", args.train_rows, args.dev_rows)
    rows = []
    for repeat in range(args.repeats):
        for processes in (1, args.processes):
            load = load_average()
            wall, held = search(data, processes, args.trials, args.epochs)
            rows.append([str(repeat + 1), str(processes), str(held), f"{wall:.0f}", load])
            line = f"repeat {repeat + 1}: {processes} process(es), {held} trials, {wall:.0f} s (load {load})"
            print(line, flush=True)
    print()
    print(markdown_table(["repeat", "processes", "trials", "wall s", "load average at start"], rows, text_columns=0))


if __name__ == "__main__":
    main()
