"""``experiments-reproduce RUN_ID``: re-run a recorded run from its logged config and report metric differences.

The run's ``config/resolved.yaml`` artifact is trained again by the same runner, with the recorded torch
thread count (CPU float results depend on it), into a new MLflow run tagged ``reproduces=RUN_ID``. Every
metric history of the two runs is compared step by step. On the CPU, with the same code and seed, the
differences are zero.

Example::

    experiments-reproduce 3f2c... --tracking-uri http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import torch
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig, OmegaConf, open_dict

from experiments.config.targets import check_targets
from experiments.errors import ConfigurationError
from experiments.reporting.runs import choice_tags
from experiments.run.runner import train
from experiments.tracking import MlflowTracker, mlflow_metric_name
from experiments.tracking.names import TIMING_METRICS
from experiments.tracking.provenance import git_state

logger = logging.getLogger(__name__)

CONFIG_ARTIFACT = "config/resolved.yaml"
REPRODUCES = "reproduces"


class ReproductionTracker(MlflowTracker):
    """:class:`MlflowTracker` whose run is tagged ``reproduces=<run id>`` and carries the recorded choice tags.

    Args:
        reproduces: the id of the recorded run.
        recorded_tags: tags copied from the recorded run (its config-group choices), so comparisons group it.
        recorded_run_name: the recorded run's name; the new run is named ``<name>-reproduced``.
    """

    def __init__(
        self,
        tracking_uri: str,
        experiment_name: str,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        reproduces: str = "",
        recorded_tags: Mapping[str, str] | None = None,
        recorded_run_name: str | None = None,
        **tracker_options: Any,
    ) -> None:
        merged = {**(recorded_tags or {}), **(tags or {}), REPRODUCES: reproduces}
        name = f"{recorded_run_name}-reproduced" if recorded_run_name else run_name
        super().__init__(tracking_uri, experiment_name, name, merged, **tracker_options)


def recorded_config(run_id: str, tracking_uri: str) -> DictConfig:
    """The resolved config the run logged as ``config/resolved.yaml``."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=CONFIG_ARTIFACT, dst_path=folder, tracking_uri=tracking_uri
            )
        except Exception as error:
            raise ConfigurationError(
                f"run {run_id} has no readable {CONFIG_ARTIFACT} at {tracking_uri}: {error}"
            ) from error
        config = OmegaConf.load(path)
    if not isinstance(config, DictConfig):
        raise ConfigurationError(f"{CONFIG_ARTIFACT} of run {run_id} is not a mapping")
    check_targets(config, f"{CONFIG_ARTIFACT} of run {run_id}")  # the logged config names no code of its own
    return config


def metric_differences(client: MlflowClient, recorded_id: str, reproduced_id: str) -> pd.DataFrame:
    """Per metric: steps compared, the recorded and reproduced final values, and the largest absolute difference.

    A metric logged by only one of the runs, or at other steps, gets an infinite difference. Wall-clock
    timings (:data:`experiments.tracking.names.TIMING_METRICS`) measure the machine and are not compared.
    """
    recorded = client.get_run(recorded_id).data.metrics
    reproduced = client.get_run(reproduced_id).data.metrics
    timings = {mlflow_metric_name(key) for key in TIMING_METRICS} | TIMING_METRICS
    rows = []
    for key in sorted((set(recorded) | set(reproduced)) - timings):
        before = {m.step: m.value for m in client.get_metric_history(recorded_id, key)}
        after = {m.step: m.value for m in client.get_metric_history(reproduced_id, key)}
        if before.keys() != after.keys():
            difference = float("inf")
        else:
            difference = max((abs(after[step] - before[step]) for step in before), default=0.0)
            if any(pd.isna(before[step]) != pd.isna(after[step]) for step in before):
                difference = float("inf")
            elif all(pd.isna(before[step]) and pd.isna(after[step]) for step in before):
                difference = 0.0
        rows.append(
            {
                "metric": key,
                "steps": len(before),
                "recorded": recorded.get(key, float("nan")),
                "reproduced": reproduced.get(key, float("nan")),
                "max_abs_difference": difference,
            }
        )
    return pd.DataFrame(rows, columns=["metric", "steps", "recorded", "reproduced", "max_abs_difference"])


def reproduce(run_id: str, tracking_uri: str, output_dir: str | Path) -> tuple[str, pd.DataFrame]:
    """Train the recorded run again into ``output_dir``; return the new run id and the metric differences."""
    client = MlflowClient(tracking_uri=tracking_uri)
    recorded = client.get_run(run_id)
    cfg = recorded_config(run_id, tracking_uri)
    tags = recorded.data.tags
    current = git_state()
    if tags.get("git_commit") != current["git_commit"] or current["git_dirty"] != "false":
        logger.warning(
            "Recorded code %s (dirty=%s), running %s (dirty=%s): differences may come from the code",
            tags.get("git_commit"),
            tags.get("git_dirty"),
            current["git_commit"],
            current["git_dirty"],
        )
    threads = torch.get_num_threads()
    torch.set_num_threads(int(tags.get("torch_num_threads", threads)))
    with open_dict(cfg):
        cfg.output_dir = str(output_dir)
        cfg.tracking._target_ = f"{ReproductionTracker.__module__}.{ReproductionTracker.__qualname__}"
        cfg.tracking.tracking_uri = tracking_uri
        cfg.tracking.reproduces = run_id
        cfg.tracking.recorded_tags = choice_tags(recorded)
        cfg.tracking.recorded_run_name = recorded.info.run_name
    try:
        train(cfg)
    finally:
        torch.set_num_threads(threads)
    experiment_id = recorded.info.experiment_id
    experiment_name = cfg.tracking.experiment_name
    experiment = client.get_experiment_by_name(experiment_name)
    new = client.search_runs(
        [experiment.experiment_id if experiment else experiment_id],
        filter_string=f"tags.{REPRODUCES} = '{run_id}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )[0]
    return new.info.run_id, metric_differences(client, run_id, new.info.run_id)


def default_output_dir(run_id: str) -> Path:
    """``outputs/reproduce/<run id>/<date>_<time>``: kept, as ``experiments-train`` keeps ``outputs/<date>/<time>``."""
    return Path("outputs") / "reproduce" / run_id / time.strftime("%Y-%m-%d_%H-%M-%S")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="experiments-reproduce", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_id", help="the MLflow run to reproduce")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db"),
        help="where the run is recorded, and where the reproduction is logged",
    )
    parser.add_argument(
        "--output-dir", type=Path, help="model and checkpoints (default: outputs/reproduce/<run id>/<date>_<time>)"
    )
    parser.add_argument("--tolerance", type=float, default=0.0, help="largest accepted absolute difference")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry: prints the differences; exit status 0 when all are within ``--tolerance``, else 1."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    new_id, differences = reproduce(args.run_id, args.tracking_uri, args.output_dir or default_output_dir(args.run_id))
    differing = differences[~(differences["max_abs_difference"] <= args.tolerance)]
    sys.stdout.write(differences.to_string(index=False) + "\n")
    logger.info(
        "Run %s reproduced as %s: %d of %d metrics differ by more than %g",
        args.run_id,
        new_id,
        len(differing),
        len(differences),
        args.tolerance,
    )
    return 0 if differing.empty else 1


if __name__ == "__main__":
    sys.exit(main())
