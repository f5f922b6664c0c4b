"""``experiments-reproduce``: a sweep job trained again from its record gives the same metrics, bit for bit."""

from __future__ import annotations

import pytest
from hydra.core.hydra_config import HydraConfig
from mlflow.tracking import MlflowClient

from experiments.reporting.reproduce import main
from tests.sweeps.conftest import Sweep


@pytest.fixture(autouse=True)
def outside_hydra() -> None:
    """``experiments-reproduce`` runs outside any Hydra job: forget a config left by other tests."""
    HydraConfig.instance().cfg = None  # type: ignore[assignment]


def test_a_recorded_run_is_reproduced_bit_for_bit_on_the_cpu(grid_sweep: Sweep):
    recorded = next(run for run in grid_sweep.runs if run.data.tags["sweep_job"] == "0")
    status = main([recorded.info.run_id, "--tracking-uri", grid_sweep.tracking_uri])  # the model folder: temporary
    assert status == 0  # every metric within --tolerance 0
    client = MlflowClient(grid_sweep.tracking_uri)
    experiment_id = recorded.info.experiment_id
    (reproduced,) = client.search_runs([experiment_id], f"tags.reproduces = '{recorded.info.run_id}'")
    results = {key: value for key, value in recorded.data.metrics.items() if not key.startswith("time/")}
    assert {key: value for key, value in reproduced.data.metrics.items() if not key.startswith("time/")} == results
    assert reproduced.data.tags["head"] == recorded.data.tags["head"]
    assert "mlflow.parentRunId" not in reproduced.data.tags
    # the temporary model folder is gone, and so is the tag that pointed to it; the MLflow model stays
    assert "model_dir" not in reproduced.data.tags
    assert reproduced.data.tags["model_uri"] == f"runs:/{reproduced.info.run_id}/model"
    assert "model/MLmodel" in {artifact.path for artifact in client.list_artifacts(reproduced.info.run_id, "model")}


def test_an_unknown_run_is_reported(grid_sweep: Sweep):
    with pytest.raises(Exception, match="no_such_run"):
        main(["no_such_run", "--tracking-uri", grid_sweep.tracking_uri])
