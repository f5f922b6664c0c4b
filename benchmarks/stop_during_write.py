"""SIGTERM at a random moment of a job that writes to a SQLite MLflow store without pause: how often the run
cannot be marked KILLED (``database is locked``, exit 1 instead of 143).

Each trial starts a child that logs a metric and a tag in a loop through the tracker's guarded client inside
``terminate_gracefully``, sends it SIGTERM after 0.5–2 s, and checks that it marked its run KILLED and exited 143::

    python benchmarks/stop_during_write.py --trials 40            # this checkout
    python benchmarks/stop_during_write.py --trials 40 --src <an older checkout>/src
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, header

CHILD = """
import sys
from mlflow.tracking import MlflowClient
try:
    from experiments.signals import Terminated, terminate_gracefully
except ImportError:  # before the module moved
    from experiments.run.signals import Terminated, terminate_gracefully
from experiments.tracking.unreachable import GuardedClient

uri = sys.argv[1]
raw = MlflowClient(uri)
client = GuardedClient(raw, uri)
run = raw.create_run(raw.create_experiment("writes"))
print("ready", flush=True)
try:
    with terminate_gracefully():
        step = 0
        while True:
            step += 1
            client.log_metric(run.info.run_id, "m", step, step=step)
            client.set_tag(run.info.run_id, "t", str(step))
except Terminated:
    client.set_terminated(run.info.run_id, status="KILLED")
    sys.exit(143)
"""


def trial(src: Path, folder: Path, rng: random.Random) -> str | None:
    """One stopped writer; None if it ended KILLED with 143, else the last line it printed."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    job = subprocess.Popen(
        [sys.executable, "-c", CHILD, uri], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if job.stdout.readline().strip() != "ready":
        return job.communicate()[1].strip().splitlines()[-1]
    time.sleep(rng.uniform(0.5, 2.0))
    job.send_signal(signal.SIGTERM)
    _, stderr = job.communicate(timeout=120)
    if job.returncode == 143:
        return None
    return f"exit {job.returncode}: " + (stderr.strip().splitlines() or [""])[-1][:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the src folder of the code to try")
    args = parser.parse_args()
    header("A stop signal during MLflow writes")
    rng = random.Random(0)
    failed = 0
    for number in range(args.trials):
        with tempfile.TemporaryDirectory() as folder:
            outcome = trial(args.src, Path(folder), rng)
        if outcome is not None:
            failed += 1
            print(f"trial {number}: {outcome}", flush=True)
    print(f"{args.src}: {failed} of {args.trials} stopped writers did not end KILLED with exit 143")


if __name__ == "__main__":
    main()
