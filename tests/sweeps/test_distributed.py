"""One run trained by two CPU processes (torchrun, gloo): rank 0 alone owns the MLflow run and saves the model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.sweeps.conftest import TINY_JOB, experiment_runs, run_app


@pytest.mark.slow
def test_two_gloo_processes_make_one_run_and_one_model(mlflow_server: str, mini_wikiqa: Path, tmp_path: Path):
    output_dir = tmp_path / "run"
    result = run_app(
        [
            *TINY_JOB, "trainer.epochs=1", f"data.root={mini_wikiqa}", "tracking.experiment_name=ddp",
            "+trainer.extra_args.use_cpu=true",
            f"output_dir={output_dir}", f"hydra.run.dir={tmp_path / 'hydra'}",
        ],
        cwd=tmp_path,
        tracking_uri=mlflow_server,
        module=[sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "experiments.train"],
    )  # fmt: skip
    (run,) = experiment_runs(mlflow_server, "ddp")  # rank 1 made no run
    assert run.info.status == "FINISHED"
    assert run.data.tags["world_size"] == "2"
    assert run.data.tags["model_dir"] == str((output_dir / "model").resolve())
    assert (output_dir / "model" / "decision.json").is_file()
    assert "Rank 1: MLflow run left to rank 0" in result.stdout + result.stderr
