"""benchmarks/same_metrics.py matches runs of two stores by their overrides and finds any metric that moved."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import new_store

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "same_metrics.py"


@pytest.fixture(scope="module")
def same_metrics():
    spec = importlib.util.spec_from_file_location("same_metrics", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def log_run(uri: str, overrides: str, f1: list[float], runtime: float, **tags: str) -> None:
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("e") or client.get_experiment(client.create_experiment("e"))
    run = client.create_run(experiment.experiment_id, tags={"overrides": overrides, **tags})
    for step, value in enumerate(f1, start=1):
        client.log_metric(run.info.run_id, "dev/f1", value, step=step)
    client.log_metric(run.info.run_id, "time/train_runtime_s", runtime)
    client.log_param(run.info.run_id, "tracking.tracking_uri", uri)
    client.set_terminated(run.info.run_id)


def test_only_a_metric_that_moved_counts_and_the_paths_and_timings_do_not(same_metrics, empty_store, tmp_path):
    before, after = new_store(empty_store, tmp_path / "a"), new_store(empty_store, tmp_path / "b")
    for uri, runtime, last in ((before, 10.0, 0.5), (after, 99.0, 0.25)):
        log_run(uri, f"seed=1 loss=focal tracking.tracking_uri={uri}", [0.1, 0.2], runtime)
        log_run(uri, f"tracking.tracking_uri={uri} loss=plain seed=1", [0.3, last], runtime)
        log_run(uri, f"loss=plain seed=1 cv.folds=2 output_dir={uri}", [0.3], runtime, cv_fold="1")
    log_run(after, "loss=dice seed=1", [0.3], 1.0)
    report = same_metrics.compare(before, after)
    assert report.runs == 3 and report.unmatched == ["only after: loss=dice seed=1"]
    assert report.metrics == 3 and report.points == 5  # dev/f1 of each pair; the timing is left out
    (difference,) = report.metric_differences
    assert difference.startswith("loss=plain seed=1 · dev/f1: [(1, 0.3), (2, 0.5)] != [(1, 0.3), (2, 0.25)]")
    assert report.other_differences == []
    assert same_metrics.main([before, before]) == 0 and same_metrics.main([before, after]) == 1
