"""Session fixtures for sweep tests: a real ``mlflow server`` on 127.0.0.1, a small WikiQA copy, one 2×2 sweep.

Sweeps run as subprocesses (``python -m experiments.train -m ...``), the way users launch them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from experiments.data.wikiqa import embedded_wikiqa_dir
from tests.mlflow_server import start_server

SRC = Path(__file__).resolve().parents[2] / "src"
# A small copy of WikiQA (passed as data.root) keeps each job to seconds: whole-file rows, nothing changed.
MINI_ROWS = {"train": 400, "dev": 150, "test": 150}
# Tiny model, 100 training rows, 2 epochs: each job takes seconds.
TINY_JOB = ("experiment=smoke", "data.max_train_rows=100", "trainer.epochs=2")


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``mlflow server`` with a SQLite store and served artifacts on a free local port; its URI."""
    server = start_server(tmp_path_factory.mktemp("mlflow-server"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mini_wikiqa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first rows of each embedded WikiQA file, as a folder for ``data.root``."""
    folder = tmp_path_factory.mktemp("wikiqa-mini")
    for split, rows in MINI_ROWS.items():
        name = f"WikiQA-{split}.tsv"
        lines = (embedded_wikiqa_dir() / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / name).write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return folder


def run_app(
    args: Sequence[str], cwd: Path, tracking_uri: str, timeout_s: int = 1800, module: Sequence[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m experiments.train ARGS`` (or another ``module`` command) with this checkout's source."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    command = [*(module or [sys.executable, "-m", "experiments.train"]), *args]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)
    if result.returncode != 0:
        raise AssertionError(f"{command} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result


def all_runs(tracking_uri: str, experiment_name: str) -> list[Run]:
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(experiment_name)
    assert experiment is not None, experiment_name
    return client.search_runs([experiment.experiment_id], max_results=1000)


def experiment_runs(tracking_uri: str, experiment_name: str) -> list[Run]:
    """The jobs' runs (the sweep's parent run left out)."""
    return [run for run in all_runs(tracking_uri, experiment_name) if "sweep_parent" not in run.data.tags]


def parent_run(tracking_uri: str, experiment_name: str) -> Run:
    """The one sweep parent run of the experiment."""
    (parent,) = [run for run in all_runs(tracking_uri, experiment_name) if "sweep_parent" in run.data.tags]
    return parent


@dataclass(frozen=True)
class Sweep:
    tracking_uri: str
    experiment_name: str
    sweep_dir: Path
    runs: list[Run]
    parent: Run
    output: str


@pytest.fixture(scope="session")
def grid_sweep(mlflow_server: str, mini_wikiqa: Path, tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    """The quick grid preset narrowed to what every checkout has: head × seed = 2 × 2 jobs, joblib, 2 at a time."""
    folder = tmp_path_factory.mktemp("grid")
    sweep_dir = folder / "multirun"
    result = run_app(
        [
            "-m", "experiment=imbalance_grid_quick", "loss=plain", "sampling=none",
            "head=binary_sigmoid,binary_softmax", "seed=1,2",
            f"data.root={mini_wikiqa}", "data.max_train_rows=100",
            "tracking.experiment_name=grid", f"hydra.sweep.dir={sweep_dir}",
            "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
        ],
        cwd=folder,
        tracking_uri=mlflow_server,
    )  # fmt: skip
    return Sweep(
        mlflow_server,
        "grid",
        sweep_dir,
        experiment_runs(mlflow_server, "grid"),
        parent_run(mlflow_server, "grid"),
        result.stdout + result.stderr,
    )
