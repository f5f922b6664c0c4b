"""``experiments-reproduce``: a sweep job trained again from its record gives the same metrics, bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.core.hydra_config import HydraConfig
from mlflow.tracking import MlflowClient

from experiments.reproduce import main, reproduce
from experiments.training import TIMING_METRICS
from tests.sweeps.conftest import Sweep


@pytest.fixture(autouse=True)
def outside_hydra() -> None:
    """``experiments-reproduce`` runs outside any Hydra job: forget a config left by other tests."""
    HydraConfig.instance().cfg = None  # type: ignore[assignment]


def test_a_recorded_run_is_reproduced_bit_for_bit_on_the_cpu(grid_sweep: Sweep, tmp_path: Path):
    recorded = next(run for run in grid_sweep.runs if run.data.tags["sweep_job"] == "0")
    new_id, differences = reproduce(recorded.info.run_id, grid_sweep.tracking_uri, tmp_path / "run")
    assert new_id != recorded.info.run_id
    results = {key: value for key, value in recorded.data.metrics.items() if key not in TIMING_METRICS}
    assert len(differences) == len(results)
    assert differences["max_abs_difference"].tolist() == [0.0] * len(differences)
    assert (differences["steps"] >= 1).all()
    reproduced = MlflowClient(grid_sweep.tracking_uri).get_run(new_id)
    assert reproduced.data.tags["reproduces"] == recorded.info.run_id
    assert reproduced.data.tags["head"] == recorded.data.tags["head"]
    assert {key: value for key, value in reproduced.data.metrics.items() if key not in TIMING_METRICS} == results


def test_an_unknown_run_is_reported(grid_sweep: Sweep):
    with pytest.raises(Exception, match="no_such_run"):
        main(["no_such_run", "--tracking-uri", grid_sweep.tracking_uri])
