"""A Hydra callback that marks the runs of an interrupted local sweep KILLED.

On Ctrl-C, the joblib launcher kills its worker processes (SIGKILL) while they may still be marking their
own runs; those runs would stay RUNNING. When the launching process is interrupted, this callback marks
every run of its sweep (tag ``sweep_id``) still RUNNING as KILLED, with the reason in the tag ``error``.
Only local launchers (basic, joblib) are covered: submitit jobs run on after their launcher stops.
"""

from __future__ import annotations

import atexit
import logging
import signal
from types import FrameType
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.tracking.credentials import redact
from experiments.tracking.store_lock import open_client
from experiments.tracking.tags import KILLED, RUNNING

logger = logging.getLogger(__name__)

LOCAL_LAUNCHERS = ("BasicLauncher", "JoblibLauncher")
REASON = "KeyboardInterrupt: the sweep was interrupted (Ctrl-C); its launcher stopped this job"


def mark_interrupted_runs(tracking_uri: str, experiment_name: str, sweep_id: str) -> int:
    """Mark the runs of ``sweep_id`` still RUNNING as KILLED with :data:`REASON`; their number.

    A job killed between marking its run KILLED and recording why (it sets the status first) gets the reason too.
    """
    client = open_client(tracking_uri)
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return 0
    runs = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.sweep_id = '{sweep_id}'", max_results=10_000
    )
    running = [run.info.run_id for run in runs if run.info.status == RUNNING]
    unexplained = [run.info.run_id for run in runs if run.info.status == KILLED and "error" not in run.data.tags]
    for run_id in running + unexplained:
        client.set_tag(run_id, "error", REASON)
    for run_id in running:
        client.set_terminated(run_id, status=KILLED)
    return len(running)


class MarkInterruptedRuns(Callback):
    """On Ctrl-C in the launching process of a local sweep, marks the sweep's RUNNING runs KILLED at exit.

    Registered under ``hydra.callbacks`` in ``conf/train.yaml``.

    Args:
        tracking_uri: the store the jobs log to.
        experiment_name: the experiment they log into.
    """

    def __init__(self, tracking_uri: str, experiment_name: str) -> None:
        self.tracking_uri = tracking_uri
        self.experiment_name = experiment_name
        self.interrupted = False

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        launcher = str(config.hydra.launcher.get("_target_", ""))
        if not launcher.endswith(LOCAL_LAUNCHERS) or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return
        sweep_id = str(config.hydra.sweep.dir)

        def note_interrupt(signum: int, frame: FrameType | None) -> None:
            self.interrupted = True
            signal.default_int_handler(signum, frame)

        def mark_at_exit() -> None:
            if not self.interrupted:
                return
            try:
                count = mark_interrupted_runs(self.tracking_uri, self.experiment_name, sweep_id)
            except Exception as error:  # the process is ending: report, never raise
                logger.error("Could not mark the interrupted runs at %s: %s", redact(self.tracking_uri), error)
                return
            logger.warning("Sweep %s interrupted: %d run(s) still RUNNING marked KILLED", sweep_id, count)

        signal.signal(signal.SIGINT, note_interrupt)
        atexit.register(mark_at_exit)
