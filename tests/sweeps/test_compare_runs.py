"""``experiments-compare`` on the runs of a real sweep: the table holds exactly what MLflow holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from experiments.reporting.compare import main
from experiments.reporting.example_metrics import metric_values, units
from experiments.reporting.runs import canonical_metrics, load_test_scores, stored_name
from tests.sweeps.conftest import Sweep

pytestmark = pytest.mark.xdist_group("grid_sweep")  # every test reads the session's sweep: built once


def test_the_table_aggregates_the_sweep_runs_over_seeds(grid_sweep: Sweep, tmp_path: Path):
    out = tmp_path / "comparison"
    status = main([
        "--tracking-uri", grid_sweep.tracking_uri, "--sweep-id", str(grid_sweep.sweep_dir),
        "--metric", "test_f1", "--curve-metric", "dev_f1", "--out", str(out),
    ])  # fmt: skip
    assert status == 0
    table = pd.read_csv(out / "comparison.csv")
    assert sorted(table["head"]) == ["binary_sigmoid", "binary_softmax"]
    for _, row in table.iterrows():
        values = [
            run.data.metrics[stored_name(run.data.metrics, "test_f1") or "test_f1"]
            for run in grid_sweep.runs
            if run.data.tags["head"] == row["head"]
        ]
        assert row["test_f1_mean"] == pytest.approx(np.mean(values), abs=1e-12)
        assert row["test_f1_std"] == pytest.approx(np.std(values, ddof=1), abs=1e-12)
        assert row["n"] == 2 and row["failed"] == 0 and row["test_f1_n"] == 2
    assert table["test_f1_best"].tolist() == [True, False] and table["test_f1_mean"].is_monotonic_decreasing
    assert table["baseline"].tolist() == [True, False] and "test_f1_p" in table
    assert np.isfinite(table.loc[1, "test_f1_p_examples"]) and np.isfinite(table.loc[1, "test_f1_low"])
    curves = pd.read_csv(out / "curves.csv")
    assert len(curves) == 4 * 2 and sorted(curves["epoch"].unique()) == [1, 2]
    for name in ("comparison.md", "comparison.tex", "test_f1_by_group.png", "dev_f1_curves.png"):
        assert (out / name).stat().st_size > 0, name
    assert "\\toprule" in (out / "comparison.tex").read_text()


def test_every_job_saves_test_scores_that_give_its_logged_test_metrics(grid_sweep: Sweep):
    client = MlflowClient(grid_sweep.tracking_uri)
    scores = load_test_scores(client, [run.info.run_id for run in grid_sweep.runs])
    assert set(scores) == {run.info.run_id for run in grid_sweep.runs}
    for run in grid_sweep.runs:
        saved, logged = scores[run.info.run_id], canonical_metrics(run.data.metrics)
        assert len(saved.labels) == int(run.data.params["data_rows_test"]) and saved.groups is not None
        assert set(saved.thresholds) == {"accuracy", "f1", "fbeta", "mcc"}
        ranking = [metric for metric in ("map", "mrr") if f"test_{metric}" in logged]
        for metric in ("f1", "mcc", "accuracy", "average_precision", "ece", *ranking):
            value = metric_values(saved, metric, np.ones((1, units(saved, metric))))[0]
            assert value == pytest.approx(logged[f"test_{metric}"], abs=1e-9), metric
