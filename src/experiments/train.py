"""Command-line entry: ``experiments-train`` / ``python -m experiments.train`` (a Hydra app).

It imports torch, transformers and MLflow only when a job starts (the runner, inside :func:`run`): ``--help``,
``--cfg job`` and a mistake on the command line answer in about a second (:mod:`experiments.run.overrides`).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.config import register_configs
from experiments.config.location import config_dir
from experiments.errors import ConfigurationError, TrialPruned
from experiments.run.interruption import interrupted_message, report_stop
from experiments.run.overrides import check_command_line
from experiments.signals import Terminated
from experiments.tracking.credentials import move_credentials_to_environment

logger = logging.getLogger(__name__)

# The exit status of a user error (a bad config, data or environment), as argparse uses.
USAGE_ERROR = 2
# The exit status of a job stopped by Ctrl-C, as the shell reports one (128 + SIGINT).
INTERRUPTED = 130
# Flags with which Hydra does not compose this app's config: left to Hydra.
NOT_COMPOSED = (
    "help",
    "hydra_help",
    "info",
    "shell_completion",
    "experimental_rerun",
    "config_path",
    "config_name",
    "config_dir",
)


register_configs()


def remove_unused_run_dir() -> None:
    """Remove the job folder Hydra made if it holds only Hydra's own files (config copy, log), and empty parents.

    A single run stopped by a user error has written nothing; an ``outputs/<day>/<time>`` folder
    would only be noise. A folder holding anything else is left alone.
    """
    if not HydraConfig.initialized():
        return
    hydra = HydraConfig.get()
    run_dir = Path(hydra.runtime.output_dir)
    own = {hydra.output_subdir, f"{hydra.job.name}.log"} - {None}
    if not run_dir.is_dir() or {path.name for path in run_dir.iterdir()} - own:
        return
    logging.shutdown()  # closes the job's log file before it is removed
    for name in own:
        path = run_dir / str(name)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    cwd = Path.cwd().resolve()
    folder = run_dir.resolve()
    while folder != cwd and cwd in folder.parents and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def usage_error(error: ConfigurationError) -> None:
    """End a single run on a user error: one line on stderr, exit status 2, no traceback."""
    remove_unused_run_dir()
    sys.stderr.write(f"error: {error}\n")
    sys.exit(USAGE_ERROR)


@hydra.main(version_base="1.3", config_path=config_dir(), config_name="train")
def run(cfg: DictConfig) -> float | None:
    """Run one job; return the best dev value of ``evaluation.select_metric`` for sweepers.

    A single run stopped by a :class:`ConfigurationError` (bad config, data or environment) prints
    ``error: <message>`` on stderr and exits with status 2; any other error is a bug and raises.
    In a sweep, a job that raises has already been marked FAILED in MLflow with its error; unless
    ``fail_fast=true`` it returns None so the other jobs go on (the basic sweeper ignores the value; optuna
    records a failed trial, within ``hydra.sweeper.max_failure_rate``). A trial stopped by its pruner returns its
    best dev value so far.
    """
    from experiments.run.runner import train  # torch, transformers and MLflow: only now that a job starts
    from experiments.tracking.job import in_sweep

    output_dirs.append(str(cfg.output_dir))
    try:
        summary = train(cfg)
    except TrialPruned as pruned:  # the sweeper records the trial with its best dev value so far
        logger.info("%s", pruned)
        return pruned.value
    except ConfigurationError as error:
        if not in_sweep():
            usage_error(error)
        if cfg.get("fail_fast", True):
            raise
        logger.error("Job %s failed: %s; the sweep goes on (fail_fast=false)", HydraConfig.get().job.num, error)
        return None
    except Exception:
        if cfg.get("fail_fast", True) or not in_sweep():
            raise
        logger.exception("Job %s failed; the sweep goes on (fail_fast=false)", HydraConfig.get().job.num)
        return None
    return summary[f"best_{cfg.evaluation.select_metric}"]


# The output_dir of the job this process runs, for the line printed when it is interrupted.
output_dirs: list[str] = []


def check_before_hydra(argv: list[str]) -> None:
    """Check the command line before Hydra composes it (:func:`experiments.run.overrides.check_command_line`)."""
    from hydra._internal.utils import get_args_parser  # Hydra's own parser of its command line

    parser = get_args_parser()
    parser.exit_on_error = False
    if "--version" in argv:
        return
    try:
        args = parser.parse_args(argv)
    except argparse.ArgumentError:
        return  # Hydra prints the usage
    if any(getattr(args, flag) for flag in NOT_COMPOSED):
        return
    check_command_line(args.overrides, config_dir(), "train", multirun=args.multirun, run=args.cfg is None)


def main() -> float | None:
    """The Hydra app, with URI credentials moved to MLflow's env vars before Hydra records the command line.

    A misspelt option or key, or a single run's bad value, data file or model folder, ends with one line and
    status 2 before Hydra starts. Ctrl-C (exit 130) and SIGTERM (:mod:`experiments.signals`, exit 143) end
    with one line once the run is marked KILLED, saying how to resume it.
    """
    sys.argv = move_credentials_to_environment(sys.argv, os.environ)
    try:
        check_before_hydra(sys.argv[1:])
    except ConfigurationError as error:
        usage_error(error)
    try:
        return run()
    except (KeyboardInterrupt, Terminated) as stop:  # the run is marked KILLED: one line, no traceback
        terminated = isinstance(stop, Terminated)
        reason = f"terminated ({signal.Signals(stop.signum).name})" if terminated else "interrupted"
        report_stop(interrupted_message(reason, output_dirs[-1] if output_dirs else None))
        sys.exit(stop.exit_code if terminated else INTERRUPTED)


if __name__ == "__main__":
    main()
