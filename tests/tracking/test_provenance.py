"""Provenance tags: git state, package versions, hardware, seed; and rank-0-only tracking under torchrun."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import torch
from mlflow.tracking import MlflowClient

from experiments.tracking import MlflowTracker, ensure_experiment
from experiments.tracking.provenance import git_state, hardware, package_versions, provenance_tags


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def test_git_state_reads_the_commit_and_the_dirty_flag(tmp_path: Path):
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("a")
    git(tmp_path, "add", "a.txt")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "a")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert git_state(tmp_path) == {"git_commit": commit, "git_dirty": "false"}
    (tmp_path / "a.txt").write_text("b")
    assert git_state(tmp_path) == {"git_commit": commit, "git_dirty": "true"}


def test_outside_a_checkout_the_git_state_is_unknown(tmp_path: Path):
    assert git_state(tmp_path) == {"git_commit": "unknown", "git_dirty": "unknown"}


def test_versions_hardware_and_seed_are_tags():
    versions = package_versions(("torch", "no-such-package-x"))
    assert versions["version_torch"] == torch.__version__
    assert versions["version_no-such-package-x"] == "not installed"
    assert hardware()["torch_num_threads"] == str(torch.get_num_threads())
    tags = provenance_tags(seed=7)
    assert tags["seed"] == "7" and tags["world_size"] == "1" and tags["hardware_cpu"]
    assert all(isinstance(value, str) for value in tags.values())


def test_only_rank_zero_creates_a_run(monkeypatch: pytest.MonkeyPatch, tracking_uri: str):
    experiment_id = ensure_experiment(tracking_uri, "ranks")
    monkeypatch.setenv("RANK", "1")
    with MlflowTracker(tracking_uri, "ranks") as tracker:
        tracker.log_metrics({"x": 1.0})
        tracker.set_tags({"y": "z"})
    assert tracker.run_id is None
    assert MlflowClient(tracking_uri).search_runs([experiment_id]) == []
    monkeypatch.setenv("RANK", "0")
    with MlflowTracker(tracking_uri, "ranks") as tracker:
        tracker.log_metrics({"x": 1.0})
    (run,) = MlflowClient(tracking_uri).search_runs([experiment_id])
    assert run.data.metrics == {"x": 1.0}


def test_ensure_experiment_returns_the_existing_one(tracking_uri: str):
    assert ensure_experiment(tracking_uri, "e") == ensure_experiment(tracking_uri, "e")


def test_a_sqlite_store_keeps_its_artifacts_beside_the_database(tmp_path):
    from mlflow.tracking import MlflowClient

    from experiments.sweeps.store_setup import ensure_experiment

    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    (tmp_path / "store").mkdir()
    experiment_id = ensure_experiment(uri, "beside")
    location = MlflowClient(uri).get_experiment(experiment_id).artifact_location
    assert location == (tmp_path / "store" / "mlartifacts" / "beside").as_uri()
