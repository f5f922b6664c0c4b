"""A tracking server that dies mid-run: the job stops within seconds with its last epoch checkpointed, then resumes."""

from __future__ import annotations

import time
from pathlib import Path

from mlflow.tracking import MlflowClient
from omegaconf import open_dict

from experiments.run.runner import train
from tests.conftest import fast_overrides
from tests.mlflow_server import Server, start_server
from tests.test_faults import EXPERIMENT, start_job, wait_for_checkpoint

EPOCHS = 12


def test_a_server_lost_mid_run_stops_the_job_at_a_checkpoint_and_the_resume_logs_every_epoch(
    compose_config, own_server: Server, tiny_wikiqa: Path, tmp_path: Path
):
    overrides = fast_overrides(tiny_wikiqa, epochs=EPOCHS)
    run_dir = tmp_path / "run"
    job = start_job(run_dir, own_server.url, overrides)
    wait_for_checkpoint(job, run_dir, timeout=900)
    own_server.stop()
    stopped = time.monotonic()
    _, stderr = job.communicate(timeout=300)
    assert time.monotonic() - stopped < 120, "the job waited minutes for the server"
    assert job.returncode == 1
    assert "stopped answering" in stderr and "continue with resume=true" in stderr
    assert not (run_dir / "model").exists()

    server = start_server(own_server.folder, port=int(own_server.url.rsplit(":", 1)[1]))
    try:
        cfg = compose_config(*overrides, "resume=true")
        with open_dict(cfg):
            cfg.tracking.tracking_uri = server.url
        train(cfg)
        client = MlflowClient(server.url)
        (run,) = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
        assert run.info.status == "FINISHED"
        steps = {metric.step for metric in client.get_metric_history(run.info.run_id, "dev/f1")}
        assert steps == set(range(1, EPOCHS + 1))
    finally:
        server.stop()
    assert (run_dir / "model" / "decision.json").is_file()
