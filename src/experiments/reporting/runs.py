"""Reading runs for a comparison: MLflow runs as one frame of grouping keys and metrics, their saved test scores,
and their per-epoch histories.

Grouping keys are what varied between runs: config-group choices recorded as tags, and the keys overridden on the
command line. Metric names are taken in either spelling (``test/f1`` or ``test_f1``).
"""

from __future__ import annotations

import logging
import os
import shlex
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.evaluation.test_scores import TEST_SCORES_ARTIFACT, TestScores
from experiments.tracking.tags import FINISHED, PARENT_TAG, SWEEP_PARENT_TAG

logger = logging.getLogger(__name__)

RUN_ID, STATUS, SEED, GROUP, ONE_CLASS = "run_id", "status", "seed", "group", "one_class"
MISSING = "–"  # a grouping key a run has no value for
REPRODUCES = "reproduces"  # the tag experiments.reporting.reproduce puts on a reproduction run
# A run predicts one class when at least 1 - tolerance of every class's test rows get the same prediction.
ONE_CLASS_TOLERANCE = 0.05
PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


def metric_key(name: str) -> str:
    """The one spelling the table uses for a metric: ``test/f1`` and ``test_f1`` are both ``test_f1``."""
    return name.replace("/", "_")


def stored_name(names: Iterable[str], name: str) -> str | None:
    """The name under which a run stores the metric ``name`` in either spelling (``test/f1`` preferred), or None."""
    matches = sorted((stored for stored in names if metric_key(stored) == metric_key(name)), key=lambda n: "/" not in n)
    return matches[0] if matches else None


def canonical_metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    """A run's metrics under :func:`metric_key` names; where both spellings are logged, the ``/`` one wins."""
    return {metric_key(name): metrics[stored_name(metrics, name) or name] for name in metrics}


def one_class_run(metrics: Mapping[str, float]) -> bool | None:
    """Whether the run's test decision puts (nearly) every row into one class; None when the run cannot tell.

    Binary runs log ``test_recall`` (true positive rate) and ``test_balanced_accuracy`` at the same threshold,
    so the true negative rate is ``2 * balanced_accuracy - recall``; multiclass runs log ``test_recall_<class>``.
    One-class means one class recalled at ≥ 1 - :data:`ONE_CLASS_TOLERANCE` and every other at ≤ the tolerance:
    predicting every pair positive gives recall 1 and F1 2p / (1 + p) at positive share p.
    """
    per_class = [value for name, value in metrics.items() if name.startswith("test_recall_")]
    if not per_class and {"test_recall", "test_balanced_accuracy"} <= metrics.keys():
        recall = metrics["test_recall"]
        per_class = [recall, 2 * metrics["test_balanced_accuracy"] - recall]
    if len(per_class) < 2 or any(pd.isna(value) for value in per_class):
        return None
    ordered = sorted(per_class, reverse=True)
    return bool(ordered[0] >= 1 - ONE_CLASS_TOLERANCE and ordered[1] <= ONE_CLASS_TOLERANCE)


def override_pairs(overrides: str) -> dict[str, str]:
    """``key=value`` pairs of a Hydra override string (the run's ``overrides`` tag); ``+``/``~`` prefixes dropped."""
    pairs: dict[str, str] = {}
    for token in shlex.split(overrides):
        key, sep, value = token.partition("=")
        if sep:
            pairs[key.lstrip("+~")] = value
    return pairs


def choice_tags(run: Run) -> dict[str, str]:
    """Config-group choices among the run's tags: a tag ``g`` whose params hold keys under ``g.``."""
    prefixes = {key.split(".", 1)[0] for key in run.data.params if "." in key}
    return {key: value for key, value in run.data.tags.items() if key in prefixes}


def run_keys(run: Run) -> dict[str, str]:
    """Candidate grouping keys of a run: its config-group choice tags and its overridden keys (not the seed)."""
    keys = choice_tags(run)
    overridden = override_pairs(run.data.tags.get("overrides", ""))
    keys.update({key: value for key, value in overridden.items() if key != SEED and not key.startswith("hydra")})
    return keys


def runs_frame(runs: Sequence[Run]) -> tuple[pd.DataFrame, list[str]]:
    """One row per run: id, status, seed, candidate grouping keys, one-class flag and every metric; the candidates.

    Metrics are under :func:`metric_key` names; a grouping key a run lacks reads :data:`MISSING`. A reproduction
    takes the keys of the run it reproduces (when that run is among ``runs``) plus ``reproduces``: its own row.
    """
    keys_by_run = {run.info.run_id: run_keys(run) for run in runs}
    rows: list[dict[str, object]] = []
    candidates: dict[str, None] = {}
    for run in runs:
        keys = keys_by_run[run.info.run_id]
        if REPRODUCES in run.data.tags:
            original = run.data.tags[REPRODUCES]
            keys = {**keys_by_run.get(original, {}), **keys, REPRODUCES: original}
        candidates.update(dict.fromkeys(keys))
        seed = run.data.tags.get(SEED, run.data.params.get(SEED))
        metrics = canonical_metrics(run.data.metrics)
        rows.append(
            {RUN_ID: run.info.run_id, STATUS: run.info.status, SEED: seed, **keys,
             ONE_CLASS: one_class_run(metrics), **metrics}
        )  # fmt: skip
    frame = pd.DataFrame(rows)
    for key in candidates:
        frame[key] = frame[key].astype(object).fillna(MISSING)
    return frame, sorted(candidates)


def swept_keys(frame: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """The candidate keys whose value differs between runs."""
    return [key for key in candidates if key in frame and frame[key].astype(str).nunique(dropna=False) > 1]


def group_labels(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """``key=value, key=value`` of every run (``all`` when nothing is grouped)."""
    if not keys:
        return pd.Series("all", index=frame.index)
    values = frame[list(keys)].astype(object).fillna(MISSING).astype(str)
    return values.apply(lambda row: ", ".join(f"{k}={v}" for k, v in row.items()), axis=1)


def metric_names(frame: pd.DataFrame) -> list[str]:
    """Some metrics the runs logged (for messages)."""
    fixed = {RUN_ID, STATUS, SEED, ONE_CLASS}
    return sorted(c for c in frame.columns if c not in fixed and pd.api.types.is_float_dtype(frame[c]))[:20]


def search_runs(
    client: MlflowClient, experiments: Sequence[str], sweep_id: str | None, parent_run_id: str | None = None
) -> list[Run]:
    """Runs of the named experiments (all experiments when none is named), of one sweep when ``sweep_id`` is set,
    children of one parent run when ``parent_run_id`` is (a search shared by several sweep processes)."""
    if experiments:
        ids = []
        for name in experiments:
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise ConfigurationError(f"MLflow experiment {name!r} not found at {client.tracking_uri}")
            ids.append(experiment.experiment_id)
    else:
        ids = [experiment.experiment_id for experiment in client.search_experiments()]
    clauses = [f"tags.sweep_id = '{sweep_id}'"] if sweep_id else []
    clauses += [f"tags.`{PARENT_TAG}` = '{parent_run_id}'"] if parent_run_id else []
    query = " and ".join(clauses)
    runs: list[Run] = []
    token = None
    while True:
        page = client.search_runs(ids, filter_string=query, max_results=1000, page_token=token)
        runs.extend(run for run in page if SWEEP_PARENT_TAG not in run.data.tags)  # a sweep's parent: no results
        token = page.token
        if not token:
            return runs


def load_test_scores(client: MlflowClient, run_ids: Iterable[str]) -> dict[str, TestScores]:
    """The saved test scores (:data:`~experiments.evaluation.test_scores.TEST_SCORES_ARTIFACT`) of every run that
    has them; runs logged before scores were saved, or whose artifact cannot be read, are left out (logged)."""
    folder_name, file_name = TEST_SCORES_ARTIFACT.rsplit("/", 1)
    found: dict[str, TestScores] = {}
    missing = []
    with tempfile.TemporaryDirectory() as folder, _no_progress_bar():
        for run_id in run_ids:
            try:
                if not any(item.path == TEST_SCORES_ARTIFACT for item in client.list_artifacts(run_id, folder_name)):
                    missing.append(run_id)
                    continue
                path = client.download_artifacts(run_id, TEST_SCORES_ARTIFACT, folder)
                found[run_id] = TestScores.load(path)
                Path(path).unlink()
            except (MlflowException, OSError, ValueError, KeyError) as error:
                logger.warning("run %s: %s unreadable (%s)", run_id, file_name, error)
                missing.append(run_id)
    if missing:
        logger.info("%d runs have no %s (logged before test scores were saved)", len(missing), TEST_SCORES_ARTIFACT)
    return found


@contextmanager
def _no_progress_bar() -> Iterator[None]:
    """MLflow draws a download progress bar on stdout, into the table that is printed there."""
    previous = os.environ.get(PROGRESS_BAR)
    os.environ[PROGRESS_BAR] = "false"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PROGRESS_BAR, None)
        else:
            os.environ[PROGRESS_BAR] = previous


def epoch_curves(client: MlflowClient, frame: pd.DataFrame, names: Mapping[str, str], metric: str) -> pd.DataFrame:
    """Per-epoch history of ``metric`` of every FINISHED run: group, seed, run_id, epoch, value.

    ``names`` maps a run id to the name the run logged the metric under (see :func:`stored_name`).
    """
    rows = []
    for _, run in frame[frame[STATUS] == FINISHED].iterrows():
        if run[RUN_ID] not in names:
            continue
        for point in client.get_metric_history(run[RUN_ID], names[run[RUN_ID]]):
            rows.append(
                {GROUP: run[GROUP], SEED: run[SEED], RUN_ID: run[RUN_ID], "epoch": point.step, "value": point.value}
            )
    return pd.DataFrame(rows, columns=[GROUP, SEED, RUN_ID, "epoch", "value"])
