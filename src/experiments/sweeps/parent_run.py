"""A sweep as one MLflow run: a parent run per ``--multirun`` with every job as its child.

:class:`SweepRun` is a Hydra callback (registered in ``conf/train.yaml``). When the sweep starts it creates the
parent run and writes its id to ``<sweep dir>/mlflow_parent_run_id``, where each job finds it
(:func:`sweep_parent_tags`), whichever the launcher (basic, joblib, submitit) or sweeper (optuna: the trials
sit under one study run). An optuna study kept in a database and shared by several sweep processes has one parent
for all of them (:mod:`experiments.sweeps.shared_study`); the last process to end closes it. When the sweep ends
the parent gets ``experiments-compare``'s outputs as artifacts (``comparison/``), the best job's id and figures, a
Markdown description, and the console gets a summary.
"""

from __future__ import annotations

import atexit
import logging
import os
import shlex
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from mlflow.entities import Run, RunStatus
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig, OmegaConf

from experiments.errors import ConfigurationError
from experiments.mlflow_ui import ui_command
from experiments.reporting.compare import compare
from experiments.sweeps.shared_study import directions, prepare_storage, running_trials, shared_study, study_parent_run
from experiments.tracking.credentials import redact
from experiments.tracking.names import mlflow_metric_name
from experiments.tracking.store import ensure_experiment
from experiments.tracking.tags import (
    FINISHED,
    KILLED,
    NOTE_TAG,
    PARENT_RUN_ENV,
    PARENT_RUN_FILE,
    PARENT_TAG,
    RUNNING,
    SWEEP_PARENT_TAG,
)
from experiments.tracking.unreachable import bound_http_retries, is_unreachable

logger = logging.getLogger(__name__)

COMPARISON = "comparison"


def child_runs(client: MlflowClient, experiment_id: str, parent_id: str) -> list[Run]:
    runs: list[Run] = []
    token = None
    while True:
        page = client.search_runs(
            [experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{parent_id}'", max_results=1000, page_token=token
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def pruned_count(runs: list[Run]) -> int:
    """How many of the runs an optuna pruner stopped (tag ``pruned``)."""
    return sum(run.data.tags.get("pruned") == "true" for run in runs)


def running_count(runs: list[Run]) -> int:
    """How many of the runs are RUNNING (trials of a shared study that another process still trains)."""
    return sum(run.info.status == RUNNING for run in runs)


def selected_value(client: MlflowClient, run: Run, select_metric: str) -> float | None:
    """The run's ``select_metric`` (an internal key, e.g. ``dev_f1``) at its best epoch, or None."""
    best_epoch = run.data.metrics.get(mlflow_metric_name("best_epoch") or "")
    name = mlflow_metric_name(select_metric)
    if best_epoch is None or name is None:
        return None
    values = {point.step: point.value for point in client.get_metric_history(run.info.run_id, name)}
    return values.get(int(best_epoch))


def best_run(client: MlflowClient, runs: list[Run], select_metric: str) -> tuple[Run, float] | None:
    """The FINISHED run with the highest ``select_metric`` at its best epoch, and that value."""
    scored = [(run, selected_value(client, run, select_metric)) for run in runs if run.info.status == FINISHED]
    scored = [(run, value) for run, value in scored if value is not None and value == value]
    return max(scored, key=lambda pair: pair[1]) if scored else None


def ui_hint(tracking_uri: str, experiment_id: str, run_id: str) -> str:
    """How to open the run: the server's page, or the ``mlflow ui`` command for a local store."""
    if tracking_uri.startswith(("http://", "https://")):
        return f"{tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
    return ui_command(tracking_uri)


class SweepRun(Callback):
    """One parent MLflow run per sweep; the jobs log as its children; the comparison lands on it at the end.

    Args:
        tracking_uri: the store every job logs to.
        experiment_name: the experiment of the jobs.
        select_metric: ``evaluation.select_metric``; the best job is the one with the highest value.
        compare_metric: the metric of the comparison table, e.g. ``test_f1``; default: the test
            counterpart of ``select_metric``.
    """

    def __init__(
        self, tracking_uri: str, experiment_name: str, select_metric: str, compare_metric: str | None = None
    ) -> None:
        self.tracking_uri = tracking_uri
        self.experiment_name = experiment_name
        self.select_metric = select_metric
        self.compare_metric = compare_metric or f"test_{select_metric.removeprefix('dev_')}"
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self.ended = False
        self.study: tuple[str, str] | None = None  # (storage, study name) of an optuna search shared by processes

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if self.tracking_uri.startswith(("http://", "https://")):
            bound_http_retries()  # a store that went away stops the sweep's end in seconds, not minutes
        self.experiment_id = ensure_experiment(self.tracking_uri, self.experiment_name)
        sweep_dir = Path(str(config.hydra.sweep.dir))
        self.study = shared_study(config)
        if self.study is None:
            self.run_id = self._create_parent(config)
        else:  # a search shared with other processes: one parent for the study, whoever starts first
            storage, study_name = self.study
            prepare_storage(storage)
            self.run_id, created = study_parent_run(
                storage, study_name, directions(config), lambda: self._create_parent(config, study_name)
            )
            if not created:
                MlflowClient(self.tracking_uri).update_run(self.run_id, status=RunStatus.to_string(RunStatus.RUNNING))
                logger.info("Optuna study %r: its trials join the parent run %s", study_name, self.run_id)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        (sweep_dir / PARENT_RUN_FILE).write_text(self.run_id, encoding="utf-8")
        os.environ[PARENT_RUN_ENV] = self.run_id
        atexit.register(self._close_if_stopped)  # Hydra skips on_multirun_end when the sweep raises

    def _create_parent(self, config: DictConfig, study_name: str | None = None) -> str:
        """A new parent run for this sweep (for the optuna study ``study_name``, when it is shared); its id."""
        client = MlflowClient(self.tracking_uri)
        sweep_dir = Path(str(config.hydra.sweep.dir))
        experiment = OmegaConf.select(config, "hydra.runtime.choices.experiment")
        label = ["study", study_name] if study_name else ["sweep", experiment]
        name = " ".join(filter(None, [*label, time.strftime("%Y-%m-%d %H:%M")]))
        choices = OmegaConf.select(config, "hydra.runtime.choices") or {}
        tags = {
            SWEEP_PARENT_TAG: "true",
            "sweep_dir": str(sweep_dir),
            "launcher": str(choices.get("hydra/launcher", "")),
            "sweeper": str(choices.get("hydra/sweeper", "")),
            "command": shlex.join(["experiments-train", "-m", *config.hydra.overrides.task]),
        }
        if study_name:
            tags["optuna_study"] = study_name
        run = client.create_run(str(self.experiment_id), run_name=name, tags=tags)
        run_id = run.info.run_id
        params = {"sweep_overrides": " ".join(config.hydra.overrides.task)}
        sweep_params = OmegaConf.select(config, "hydra.sweeper.params") or {}
        params.update({f"sweep.{key}": str(value) for key, value in sweep_params.items()})
        for key, value in params.items():
            client.log_param(run_id, key, value[:6000])
        logger.info("Sweep parent run %s (%r) in experiment %r", run_id, name, self.experiment_name)
        return run_id

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self.run_id is None or self.experiment_id is None:
            return
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            self.close(sweep_dir)
        except Exception as error:
            if not is_unreachable(error):
                raise
            logger.error(
                "The tracking store did not answer at the end of the sweep (%s): the parent run %s stays RUNNING; "
                "when the store is back, finish the sweep with: experiments-resume-sweep %s",
                redact(str(error)).splitlines()[0][:300],
                self.run_id,
                sweep_dir,
            )

    def attach(self, run_id: str) -> None:
        """Take over an existing parent run (to close it again after ``experiments-resume-sweep``)."""
        self.run_id = run_id
        self.experiment_id = MlflowClient(self.tracking_uri).get_run(run_id).info.experiment_id

    def close(self, sweep_dir: Path) -> None:
        """Count the jobs, make the comparison and log it on the parent, and end the parent FINISHED (FAILED when
        no job finished)."""
        self.ended = True
        os.environ.pop(PARENT_RUN_ENV, None)
        client = MlflowClient(self.tracking_uri)
        children, finished = self._log_job_counts(client)
        table = self._comparison(client, sweep_dir)
        still_running = running_trials(*self.study) if self.study is not None else 0
        best = best_run(client, children, self.select_metric)
        pruned, running = pruned_count(children), running_count(children)
        failed = len(children) - finished - pruned - running
        counts = f"{finished} finished, " + (f"{pruned} pruned, " if pruned else "") + f"{failed} failed"
        counts += f", {running} still running" if running else ""
        lines = [f"**Sweep** `{sweep_dir}`: {len(children)} jobs, {counts}."]
        if best is not None:
            run, value = best
            select_name = mlflow_metric_name(self.select_metric)
            compare_name = mlflow_metric_name(self.compare_metric)
            client.set_tag(self.run_id, "best_run_id", run.info.run_id)
            client.set_tag(self.run_id, "best_run_name", run.info.run_name)
            client.log_metric(self.run_id, f"best_run/{select_name}", value)
            if compare_name in run.data.metrics:
                client.log_metric(self.run_id, f"best_run/{compare_name}", run.data.metrics[compare_name])
            lines.append(
                f"\n**Best job**: [{run.info.run_name}](#/experiments/{self.experiment_id}/runs/{run.info.run_id}) "
                f"(`{run.info.run_id}`), {select_name} = {value:.4f} at its best epoch."
            )
        if table is not None:
            lines.append(f"\n**Comparison** of {self.compare_metric} (artifacts `{COMPARISON}/`):\n\n{table}")
        if still_running:
            lines.append(f"\n{still_running} trial(s) of the study still running in other processes.")
        client.set_tag(self.run_id, NOTE_TAG, "\n".join(lines))
        if still_running:  # the last process of the study to end closes the parent
            logger.info("%d trial(s) of the study still run elsewhere: the parent run stays RUNNING", still_running)
        else:
            status = RunStatus.FINISHED if finished else RunStatus.FAILED
            client.set_terminated(self.run_id, status=RunStatus.to_string(status))
        self._summary(sweep_dir, len(children), finished, best, table is not None, pruned, running)

    def _log_job_counts(self, client: MlflowClient) -> tuple[list[Run], int]:
        """``sweep/jobs|finished|pruned|failed`` on the parent; the children and how many finished."""
        children = child_runs(client, str(self.experiment_id), str(self.run_id))
        finished = Counter(run.info.status for run in children).get(FINISHED, 0)
        client.log_metric(str(self.run_id), "sweep/jobs", float(len(children)))
        client.log_metric(str(self.run_id), "sweep/finished", float(finished))
        client.log_metric(str(self.run_id), "sweep/pruned", float(pruned_count(children)))
        failed = len(children) - finished - pruned_count(children) - running_count(children)
        client.log_metric(str(self.run_id), "sweep/failed", float(failed))
        return children, finished

    def _close_if_stopped(self) -> None:
        """At exit of a sweep that stopped before its end (Ctrl-C, ``fail_fast=true``, a launcher error): the
        parent ends KILLED when a job was killed, FAILED otherwise, instead of staying RUNNING."""
        if self.ended or self.run_id is None:
            return
        try:
            if self.study is not None and running_trials(*self.study):  # other processes go on with the study
                return
            client = MlflowClient(self.tracking_uri)
            if client.get_run(self.run_id).info.status != RunStatus.to_string(RunStatus.RUNNING):
                return
            children, finished = self._log_job_counts(client)
            killed = any(run.info.status == KILLED for run in children)
            reason = (
                "The sweep was interrupted: a job was killed"
                if killed
                else "The sweep stopped on an error: a job failed with fail_fast=true, or the launcher failed"
            )
            client.set_tag(self.run_id, "error", reason)
            note = f"**{reason}.** {len(children)} jobs started, {finished} finished; no comparison was made."
            client.set_tag(self.run_id, NOTE_TAG, note)
            client.set_terminated(self.run_id, status=KILLED if killed else RunStatus.to_string(RunStatus.FAILED))
        except Exception as error:  # the process is ending: report, never raise
            logger.error("Could not close the sweep's parent run %s: %s", self.run_id, error)

    def _comparison(self, client: MlflowClient, sweep_dir: Path) -> str | None:
        """``experiments-compare`` over the sweep's jobs into ``<sweep dir>/comparison``, logged on the parent."""
        out = sweep_dir / COMPARISON
        try:
            compare(
                client,
                [self.experiment_name],
                out,
                metrics=[self.compare_metric],
                curve_metric=self.select_metric,
                sweep_id=str(sweep_dir) if self.study is None else None,  # a shared study: every process's trials
                parent_run_id=self.run_id if self.study is not None else None,
            )
        except ConfigurationError as error:  # e.g. no job finished: nothing to compare
            logger.warning("No comparison for this sweep: %s", error)
            return None
        except Exception:
            logger.exception("The sweep's comparison failed; the jobs' runs are complete in MLflow")
            return None
        client.log_artifacts(str(self.run_id), str(out), COMPARISON)
        markdown = out / "comparison.md"
        return markdown.read_text(encoding="utf-8") if markdown.is_file() else None

    def _summary(
        self,
        sweep_dir: Path,
        jobs: int,
        finished: int,
        best: tuple[Run, float] | None,
        compared: bool,
        pruned: int = 0,
        running: int = 0,
    ) -> None:
        counts = f"{finished} finished, " + (f"{pruned} pruned, " if pruned else "")
        counts += f"{jobs - finished - pruned - running} failed" + (f", {running} still running" if running else "")
        logger.info("Sweep finished: %d jobs, %s", jobs, counts)
        if best is not None:
            run, value = best
            logger.info(
                "Best job: %s (run %s), %s = %.4f", run.info.run_name, run.info.run_id, self.select_metric, value
            )
        if compared:
            logger.info("Comparison: %s", sweep_dir / COMPARISON / "comparison.md")
        logger.info(
            "MLflow parent run %s; open: %s",
            self.run_id,
            ui_hint(self.tracking_uri, str(self.experiment_id), str(self.run_id)),
        )
