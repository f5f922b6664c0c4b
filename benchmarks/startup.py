"""CPU seconds until ``experiments-train`` answers: ``--help``, ``--cfg job`` and user errors, old code against new.

Each case runs ``python -m experiments.train ARGS`` in a fresh folder, ``--repeats`` times per source tree; the
CPU time of the child (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``) is the figure, as it does
not depend on what else the machine runs; wall time is printed beside it. The median of the repeats is reported,
with the exit status and the first line of stderr of the last repeat, side by side for the two trees:

    git worktree add /tmp/before <old commit>
    flock /tmp/bench.lock python benchmarks/startup.py --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, header

CASES: dict[str, list[str]] = {
    "--help": ["--help"],
    "--cfg job": ["--cfg", "job"],
    "misspelt option": ["loss=focall"],
    "misspelt key": ["trainer.epoch=3"],
    "value out of range": ["trainer.learning_rate=-1"],
    "missing data file": ["data=files", "data.train=/nonexistent/pairs.csv"],
    "missing model folder": ["model.name=/nonexistent"],
}


@dataclass(frozen=True)
class Timing:
    cpu_s: float
    wall_s: float
    status: int
    first_line: str


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(source: Path, args: list[str]) -> Timing:
    """One ``python -m experiments.train`` with ``source`` first on the path, in an empty folder."""
    with tempfile.TemporaryDirectory(prefix="startup-") as folder:
        env = {
            **os.environ,
            "PYTHONPATH": str(source),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "MLFLOW_TRACKING_URI": f"sqlite:///{folder}/mlflow.db",
        }
        cpu, wall = child_cpu(), time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "experiments.train", *args], cwd=folder, env=env, capture_output=True, text=True
        )
        cpu, wall = child_cpu() - cpu, time.perf_counter() - wall
    lines = (result.stderr or result.stdout).strip().splitlines()
    return Timing(cpu, wall, result.returncode, lines[0][:110] if lines else "")


def measure(source: Path, args: list[str], repeats: int) -> tuple[float, float, Timing]:
    timings = [time_once(source, args) for _ in range(repeats)]
    return statistics.median(t.cpu_s for t in timings), statistics.median(t.wall_s for t in timings), timings[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the old tree's src/ folder")
    parser.add_argument("--after", type=Path, default=ROOT / "src", help="the new tree's src/ folder")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    args = parser.parse_args()
    header("Start-up: CPU seconds until experiments-train answers")
    print(f"before: {args.before}\nafter:  {args.after}\nmedian of {args.repeats}; CPU = user + system of the child\n")
    print("| case | arguments | CPU s before | CPU s after | wall s before | wall s after | exit before → after |")
    print("|---|---|---:|---:|---:|---:|---|")
    answers: list[str] = []
    for case in args.cases:
        before = measure(args.before, CASES[case], args.repeats)
        after = measure(args.after, CASES[case], args.repeats)
        print(
            f"| {case} | `{' '.join(CASES[case])}` | {before[0]:.2f} | {after[0]:.2f} | {before[1]:.1f} | "
            f"{after[1]:.1f} | {before[2].status} → {after[2].status} |",
            flush=True,
        )
        answers.append(f"- {case}: before `{before[2].first_line}`; after `{after[2].first_line}`")
    print("\nFirst line of stderr (stdout for --help / --cfg):")
    print("\n".join(answers))


if __name__ == "__main__":
    main()
