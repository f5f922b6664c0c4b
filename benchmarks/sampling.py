"""Sampling strategies × losses on WikiQA at a fixed budget, through the runner: positive-class F1, AP, time per epoch.

Every run goes through :func:`experiments.run.runner.train` with Hydra overrides, logging to its own
SQLite MLflow store; the table is read back from what the runs returned and logged. Run the real
model under the shared lock, e.g.::

    flock /tmp/bench.lock python benchmarks/sampling.py --max-train-rows 1000 --epochs 2 --max-length 64
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig, open_dict

from experiments.config.location import config_dir
from experiments.run.runner import train

CANDIDATE_LOSSES = ("plain", "inverse_frequency")
EXPERIMENT = "sampling-benchmark"


def available(group: str, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if (Path(config_dir()) / group / f"{name}.yaml").exists()]


def compose_run(overrides: list[str], output_dir: Path, tracking_uri: str) -> DictConfig:
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.output_dir = str(output_dir)
        cfg.tracking.tracking_uri = tracking_uri
        cfg.tracking.experiment_name = EXPERIMENT
        del cfg["hydra"]
    return cfg


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samplings", nargs="+", default=available("sampling", ("none", "over", "under", "rotating")))
    parser.add_argument("--losses", nargs="+", default=available("loss", CANDIDATE_LOSSES))
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--max-train-rows", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--extra", nargs="*", default=[], help="more Hydra overrides for every run")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tracking_uri = f"sqlite:///{Path(folder) / 'mlflow.db'}"
        client = MlflowClient(tracking_uri)
        for loss in args.losses:
            for sampling in args.samplings:
                overrides = [
                    f"model={args.model}",
                    f"model.max_length={args.max_length}",
                    f"data.max_train_rows={args.max_train_rows}",
                    f"trainer.epochs={args.epochs}",
                    f"loss={loss}",
                    f"sampling={sampling}",
                    f"seed={args.seed}",
                    *args.extra,
                ]
                cfg = compose_run(overrides, Path(folder) / f"{loss}-{sampling}", tracking_uri)
                start = time.perf_counter()
                summary = train(cfg)
                wall = time.perf_counter() - start
                experiment = client.get_experiment_by_name(EXPERIMENT)
                run = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"])[0]
                seconds = [m.value for m in client.get_metric_history(run.info.run_id, "train_epoch_seconds")]
                per_epoch_rows = sum(
                    value for key, value in run.data.metrics.items() if key.startswith("train_count_class_")
                )
                print(f"done: sampling={sampling} loss={loss} in {wall:.0f} s", flush=True)
                rows.append(
                    (
                        sampling,
                        loss,
                        int(per_epoch_rows),
                        summary["test_f1"],
                        summary["test_average_precision"],
                        mean(seconds),
                        wall,
                    )
                )
    GlobalHydra.instance().clear()

    print(f"Command: {' '.join(shlex.quote(part) for part in [sys.executable, *sys.argv])}")
    print()
    print(
        f"WikiQA, model={args.model}, max_train_rows={args.max_train_rows}, epochs={args.epochs}, "
        f"max_length={args.max_length}, seed={args.seed}; test metrics at the dev-tuned F1 threshold of the best epoch."
    )
    print()
    print("| sampling | loss | train rows / epoch | test F1 (positive) | test AP | train s / epoch | run wall s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for sampling, loss, per_epoch, f1, ap, seconds, wall in rows:
        print(f"| {sampling} | {loss} | {per_epoch} | {f1:.3f} | {ap:.3f} | {seconds:.1f} | {wall:.0f} |")


if __name__ == "__main__":
    main()
