"""Do two MLflow stores hold the same runs? Every run matched by its overrides, every metric at every step compared.

Used to show that a refactoring changes no result: run the same sweep on the old and the new code, each into its
own store, then::

    python benchmarks/same_metrics.py sqlite:////tmp/before.db sqlite:////tmp/after.db

A run's key is its ``overrides`` tag without the keys that name where it wrote (``tracking.tracking_uri``,
``output_dir``, ``hydra.*``), plus ``cv_fold`` for a fold of cross-validation; a sweep's parent run is keyed by
the keys of its jobs. For each matched pair it compares:

- every metric's full history (step and value, exactly; NaN equals NaN), the wall-clock timings left out;
- the params (but the two paths) and the tags that are not ids, paths, times or code versions;
- the bytes of the run's artifacts, text ones with run ids and the side's store and sweep folder replaced by
  placeholders;
- the bytes of every file of the saved classifier each run names in its ``model_dir`` tag (weights,
  ``decision.json``, tokenizer; the model card without its training times). The pyfunc model MLflow packs is
  left out: it holds that folder and the project's source code, the very code compared.

It prints one line per difference and the counts, and exits 1 when a metric differs or a run is unmatched.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import math
import re
import shlex
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from experiments.tracking.names import TIMING_METRICS, mlflow_metric_name
from experiments.tracking.tags import PARENT_TAG, SWEEP_PARENT_TAG

logger = logging.getLogger(__name__)

# Overrides and params that say where a run wrote, not what it did.
WHERE_KEYS = frozenset({"tracking.tracking_uri", "output_dir"})
# Tags that differ between two stores by nature: ids, paths, times, the command line and the code's version.
VOLATILE_TAGS = frozenset(
    {
        PARENT_TAG,
        "mlflow.runName",  # holds the sweep's start time for a parent
        "mlflow.log-model.history",
        "mlflow.source.name",
        "mlflow.user",
        "model_dir",
        "model_uri",
        "overrides",
        "command",
        "sweep_id",
        "sweep_dir",
        "best_run_id",
        "git_commit",
        "git_dirty",
        "error",
    }
)
# The run's logged pyfunc model: MLflow's packaging of the saved model folder (compared through the ``model_dir``
# tag instead: the folder itself) and of the project's source code (the code that changed).
MODEL_ARTIFACTS = "model/"
MODEL_DIR_TAG = "model_dir"
# The model card sentence-transformers writes states how long training took: wall clock, left out.
MODEL_CARD = "README.md"
WALL_CLOCK_LINES = re.compile(rb"^- \*\*(Training|Evaluation|Total)\*\*: .*$", re.MULTILINE)
TIMING_NAMES = frozenset(mlflow_metric_name(name) for name in TIMING_METRICS)

# Run ids, and the places a side wrote to (its store, its sweep folder): equal runs differ in them.
RUN_ID = re.compile(r"\b[0-9a-f]{32}\b")
PLACE_TAGS = ("sweep_id", "sweep_dir")
TEXT_SUFFIXES = (".csv", ".json", ".md", ".tex", ".txt", ".yaml")

Runs = tuple[Run, Run]
Clients = tuple[MlflowClient, MlflowClient]


@dataclass
class Report:
    """What was compared and what differed."""

    runs: int = 0
    metrics: int = 0
    points: int = 0
    metric_differences: list[str] = field(default_factory=list)
    other_differences: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    model_files: int = 0


def run_key(run: Run) -> str:
    """The run's overrides without the ones that say where it wrote, sorted; ``cv_fold=k`` for a fold."""
    tokens = []
    for token in shlex.split(run.data.tags.get("overrides", "")):
        key = token.partition("=")[0].lstrip("+~")
        if key not in WHERE_KEYS and not key.startswith("hydra"):
            tokens.append(token)
    if "cv_fold" in run.data.tags:
        tokens.append(f"cv_fold={run.data.tags['cv_fold']}")
    return " ".join(sorted(tokens))


def keyed_runs(client: MlflowClient) -> dict[str, Run]:
    """Every run of every experiment by :func:`run_key`; a sweep parent by the keys of its jobs."""
    experiment_ids = [experiment.experiment_id for experiment in client.search_experiments()]
    runs = client.search_runs(experiment_ids, max_results=50_000)
    keys = {run.info.run_id: run_key(run) for run in runs if SWEEP_PARENT_TAG not in run.data.tags}
    keyed: dict[str, Run] = {}
    for run in runs:
        if SWEEP_PARENT_TAG in run.data.tags:
            jobs = sorted(keys[job.info.run_id] for job in runs if job.data.tags.get(PARENT_TAG) == run.info.run_id)
            key = "sweep of [" + "; ".join(jobs) + "]"
        else:
            key = keys[run.info.run_id]
        if key in keyed:
            raise SystemExit(f"two runs share the key {key!r}: {keyed[key].info.run_id} and {run.info.run_id}")
        keyed[key] = run
    return keyed


def places(run: Run, tracking_uri: str) -> list[str]:
    """Where one side wrote: its tracking URI and its sweep folder (longest first, for replacing)."""
    found = [tracking_uri, *(run.data.tags[tag] for tag in PLACE_TAGS if tag in run.data.tags)]
    return sorted(set(found), key=len, reverse=True)


def neutral(text: str, where: Sequence[str]) -> str:
    """``text`` with run ids and the side's places replaced by placeholders."""
    for place in where:
        text = text.replace(place, "<place>")
    return RUN_ID.sub("<run id>", text)


def same_value(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def compare_metrics(key: str, runs: Runs, clients: Clients, report: Report) -> None:
    names = (set(runs[0].data.metrics) | set(runs[1].data.metrics)) - TIMING_NAMES
    for name in sorted(names):
        histories = [
            sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, name))
            for client, run in zip(clients, runs, strict=True)
        ]
        report.metrics += 1
        report.points += max(len(history) for history in histories)
        steps = [[step for step, _ in history] for history in histories]
        if steps[0] != steps[1] or not all(
            same_value(a, b) for (_, a), (_, b) in zip(histories[0], histories[1], strict=True)
        ):
            report.metric_differences.append(f"{key} · {name}: {histories[0]} != {histories[1]}")


def compare_mapping(
    what: str,
    key: str,
    mappings: Sequence[dict[str, str]],
    ignore: Iterable[str],
    where: Sequence[Sequence[str]],
    report: Report,
) -> None:
    ignored = set(ignore)
    for name in sorted((set(mappings[0]) | set(mappings[1])) - ignored):
        values = [neutral(mapping.get(name, "<absent>"), side) for mapping, side in zip(mappings, where, strict=True)]
        if values[0] != values[1]:
            report.other_differences.append(f"{key} · {what} {name}: {values[0][:200]!r} != {values[1][:200]!r}")


def artifact_files(client: MlflowClient, run_id: str, path: str | None = None) -> list[str]:
    files = []
    for info in client.list_artifacts(run_id, path):
        if info.path.startswith(MODEL_ARTIFACTS):
            continue
        files += artifact_files(client, run_id, info.path) if info.is_dir else [info.path]
    return files


def digest(path: Path, where: Sequence[str] = ()) -> str:
    """SHA-256 of a file; text artifacts with run ids and places neutral, the model card without its times."""
    content = path.read_bytes()
    if path.name == MODEL_CARD:
        content = WALL_CLOCK_LINES.sub(b"", content)
    elif path.suffix in TEXT_SUFFIXES:
        content = neutral(content.decode("utf-8"), where).encode("utf-8")
    return hashlib.sha256(content).hexdigest()


def compare_artifacts(key: str, runs: Runs, clients: Clients, where: Sequence[Sequence[str]], report: Report) -> None:
    listings = [artifact_files(client, run.info.run_id) for client, run in zip(clients, runs, strict=True)]
    for path in sorted(set(listings[0]) ^ set(listings[1])):
        side = "before" if path in listings[0] else "after"
        report.other_differences.append(f"{key} · artifact {path}: only {side}")
    with tempfile.TemporaryDirectory() as folder:
        for path in sorted(set(listings[0]) & set(listings[1])):
            if path == "config/resolved.yaml":  # holds the two stores' paths; its values are the params compared
                continue
            copies = [
                Path(client.download_artifacts(run.info.run_id, path, f"{folder}/{side}"))
                for side, client, run in zip(("a", "b"), clients, runs, strict=True)
            ]
            if digest(copies[0], where[0]) != digest(copies[1], where[1]):
                report.other_differences.append(f"{key} · artifact {path}: contents differ")
    compare_model_folders(key, runs, report)


def compare_model_folders(key: str, runs: Runs, report: Report) -> None:
    """The saved classifiers (``model_dir``: weights, ``decision.json``, tokenizer, configs), file by file."""
    folders = [Path(run.data.tags.get(MODEL_DIR_TAG, "/nonexistent")) for run in runs]
    if not all(folder.is_dir() for folder in folders):
        if any(MODEL_DIR_TAG in run.data.tags for run in runs):
            report.other_differences.append(f"{key} · model folder: not on this machine for both runs ({folders})")
        return
    names = [
        {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()} for folder in folders
    ]
    for name in sorted(names[0] ^ names[1]):
        side = "before" if name in names[0] else "after"
        report.other_differences.append(f"{key} · model file {name}: only {side}")
    for name in sorted(names[0] & names[1]):
        if digest(folders[0] / name) != digest(folders[1] / name):
            report.other_differences.append(f"{key} · model file {name}: contents differ")
    report.model_files += len(names[0] & names[1])


def compare(before_uri: str, after_uri: str, artifacts: bool = True) -> Report:
    clients = (MlflowClient(before_uri), MlflowClient(after_uri))
    before, after = (keyed_runs(client) for client in clients)
    report = Report()
    report.unmatched = [f"only before: {key}" for key in sorted(set(before) - set(after))]
    report.unmatched += [f"only after: {key}" for key in sorted(set(after) - set(before))]
    for key in sorted(set(before) & set(after)):
        runs = (before[key], after[key])
        report.runs += 1
        if runs[0].info.status != runs[1].info.status:
            report.other_differences.append(f"{key} · status {runs[0].info.status} != {runs[1].info.status}")
        where = [places(run, uri) for run, uri in zip(runs, (before_uri, after_uri), strict=True)]
        compare_metrics(key, runs, clients, report)
        compare_mapping("param", key, [run.data.params for run in runs], WHERE_KEYS, where, report)
        compare_mapping("tag", key, [run.data.tags for run in runs], VOLATILE_TAGS, where, report)
        if artifacts:
            compare_artifacts(key, runs, clients, where, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="tracking URI of the runs on the old code")
    parser.add_argument("after", help="tracking URI of the same runs on the new code")
    parser.add_argument("--no-artifacts", action="store_true", help="compare metrics, params and tags only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    report = compare(args.before, args.after, artifacts=not args.no_artifacts)
    lines = [*report.unmatched, *report.metric_differences, *report.other_differences]
    lines += [
        f"runs matched: {report.runs}; unmatched: {len(report.unmatched)}",
        f"metrics compared: {report.metrics} ({report.points} steps); metrics that differ: "
        f"{len(report.metric_differences)}",
        f"saved model files compared: {report.model_files}; other differences (status, params, tags, artifacts, "
        f"model files): {len(report.other_differences)}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 1 if report.metric_differences or report.unmatched else 0


if __name__ == "__main__":
    sys.exit(main())
