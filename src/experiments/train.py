"""Command-line entry: ``experiments-train`` / ``python -m experiments.train`` (a Hydra app)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.config import register_configs
from experiments.credentials import move_credentials_to_environment
from experiments.runner import train
from experiments.signals import Terminated

logger = logging.getLogger(__name__)


def config_dir() -> str:
    """``conf/`` at the project root in a source checkout, ``experiments/conf`` in an installed wheel."""
    packaged = Path(__file__).resolve().parent / "conf"
    return str(packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "conf")


register_configs()


def in_sweep() -> bool:
    """True inside a ``--multirun`` job."""
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


@hydra.main(version_base="1.3", config_path=config_dir(), config_name="train")
def run(cfg: DictConfig) -> float | None:
    """Run one job; return the best dev value of ``evaluation.select_metric`` for sweepers.

    In a sweep, a job that raises has already been marked FAILED in MLflow with its error; unless
    ``fail_fast=true`` it returns None so the other jobs go on (the basic sweeper ignores the value; optuna
    records a failed trial, within ``hydra.sweeper.max_failure_rate``). A single run always raises.
    """
    try:
        summary = train(cfg)
    except Exception:
        if cfg.get("fail_fast", True) or not in_sweep():
            raise
        logger.exception("Job %s failed; the sweep goes on (fail_fast=false)", HydraConfig.get().job.num)
        return None
    return summary[f"best_{cfg.evaluation.select_metric}"]


def main() -> float | None:
    """The Hydra app, with URI credentials moved to MLflow's env vars before Hydra records the command line.

    On SIGTERM (:mod:`experiments.signals`) it exits with 143 once the run is marked KILLED.
    """
    sys.argv = move_credentials_to_environment(sys.argv, os.environ)
    try:
        return run()
    except Terminated as stop:  # the run is marked KILLED; exit as a terminated job does
        logger.error("%s; resume with resume=true output_dir=<the run's folder>", stop)
        sys.exit(stop.exit_code)


if __name__ == "__main__":
    main()
