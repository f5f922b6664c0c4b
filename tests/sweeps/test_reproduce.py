"""``experiments-reproduce``: a sweep job trained again from its record gives the same metrics, bit for bit."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hydra.core.hydra_config import HydraConfig
from mlflow.tracking import MlflowClient

from experiments.reporting.reproduce import main
from tests.sweeps.conftest import Sweep

pytestmark = pytest.mark.xdist_group("grid_sweep")  # every test reads the session's sweep: built once


@pytest.fixture(autouse=True)
def outside_hydra() -> None:
    """``experiments-reproduce`` runs outside any Hydra job: forget a config left by other tests."""
    HydraConfig.instance().cfg = None  # type: ignore[assignment]


def test_a_recorded_run_is_reproduced_bit_for_bit_on_the_cpu(
    grid_sweep: Sweep, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    recorded = next(run for run in grid_sweep.runs if run.data.tags["sweep_job"] == "0")
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO)
    status = main([recorded.info.run_id, "--tracking-uri", grid_sweep.tracking_uri])  # the default output folder
    assert status == 0  # every metric within --tolerance 0
    client = MlflowClient(grid_sweep.tracking_uri)
    experiment_id = recorded.info.experiment_id
    (reproduced,) = client.search_runs([experiment_id], f"tags.reproduces = '{recorded.info.run_id}'")
    results = {key: value for key, value in recorded.data.metrics.items() if not key.startswith("time/")}
    assert {key: value for key, value in reproduced.data.metrics.items() if not key.startswith("time/")} == results
    assert reproduced.data.tags["head"] == recorded.data.tags["head"]
    assert "mlflow.parentRunId" not in reproduced.data.tags
    # the model folder the summary names is kept (outputs/reproduce/<run id>/<date>_<time>/model), as is the model
    model_dir = Path(reproduced.data.tags["model_dir"])
    assert model_dir.is_dir() and model_dir.is_relative_to((tmp_path / "outputs" / "reproduce").resolve())
    assert f"Model:      {model_dir}" in caplog.text
    model = client.get_logged_model(reproduced.data.tags["model_uri"].removeprefix("models:/"))
    assert model.source_run_id == reproduced.info.run_id


def test_an_unknown_run_is_reported(grid_sweep: Sweep):
    with pytest.raises(Exception, match="no_such_run"):
        main(["no_such_run", "--tracking-uri", grid_sweep.tracking_uri])
