"""``experiments-compare`` on the runs of a real sweep: the table holds exactly what MLflow holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.reporting.compare import main, stored_name
from tests.sweeps.conftest import Sweep


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
    curves = pd.read_csv(out / "curves.csv")
    assert len(curves) == 4 * 2 and sorted(curves["epoch"].unique()) == [1, 2]
    for name in ("comparison.md", "comparison.tex", "test_f1_by_group.png", "dev_f1_curves.png"):
        assert (out / name).stat().st_size > 0, name
    assert "\\toprule" in (out / "comparison.tex").read_text()
