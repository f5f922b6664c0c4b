"""A password in the tracking URI is never written: not to params, tags, artifacts, logs or Hydra's output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from omegaconf import open_dict

from experiments.run.runner import train
from experiments.tracking.credentials import move_credentials_to_environment, redact
from tests.conftest import fast_overrides
from tests.mlflow_server import Server
from tests.sweeps.conftest import SRC

PASSWORD = "S3cretPw"


def only_run(url: str, experiment_name: str) -> Run:
    client = MlflowClient(url)
    (run,) = client.search_runs([client.get_experiment_by_name(experiment_name).experiment_id])
    return run


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://alice:{PASSWORD}@")


def files_holding(folder: Path, secret: str) -> list[str]:
    return [str(path) for path in folder.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


def test_redaction_and_the_move_to_mlflow_variables():
    assert redact("uri http://alice:pw@h:5000/x and sqlite:///a.db") == "uri http://***@h:5000/x and sqlite:///a.db"
    environ = {"MLFLOW_TRACKING_URI": "https://bob:p%40ss@h"}
    argv = move_credentials_to_environment(["train", "tracking.tracking_uri=http://alice:pw@h:1", "seed=1"], environ)
    assert argv == ["train", "tracking.tracking_uri=http://h:1", "seed=1"]
    assert environ["MLFLOW_TRACKING_URI"] == "https://h"
    assert environ["MLFLOW_TRACKING_USERNAME"] == "alice" and environ["MLFLOW_TRACKING_PASSWORD"] == "pw"


def test_database_urls_keep_their_user_for_the_database():
    environ: dict[str, str] = {}
    argv = [
        "train", "hydra.sweeper.storage=postgresql://optuna:pw@db/optuna", "tracking.tracking_uri=postgresql://u@db/m",
    ]  # fmt: skip
    assert move_credentials_to_environment(argv, environ) == argv
    assert environ == {}


def test_a_password_on_the_command_line_is_written_nowhere(module_server: Server, tiny_wikiqa: Path, tmp_path: Path):
    run_dir = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(SRC)}
    job = subprocess.run(
        [
            sys.executable, "-m", "experiments.train", *fast_overrides(tiny_wikiqa, epochs=1),
            f"hydra.run.dir={run_dir}", f"tracking.tracking_uri={with_credentials(module_server.url)}",
            "tracking.experiment_name=command-line",
        ],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert job.returncode == 0, job.stderr[-3000:]
    assert only_run(module_server.url, "command-line").info.status == "FINISHED"
    assert (run_dir / ".hydra" / "overrides.yaml").is_file() and (run_dir / "model").is_dir()
    assert PASSWORD not in job.stdout + job.stderr
    assert files_holding(tmp_path, PASSWORD) == files_holding(module_server.folder, PASSWORD) == []


def test_a_password_given_to_train_is_redacted_in_what_it_writes(
    compose_config, module_server: Server, tiny_wikiqa: Path, tmp_path: Path, caplog
):
    cfg = compose_config(*fast_overrides(tiny_wikiqa, epochs=1))
    with open_dict(cfg):
        cfg.tracking.tracking_uri = with_credentials(module_server.url)
        cfg.tracking.experiment_name = "in-process"
    with caplog.at_level("INFO"):
        train(cfg)
    run = only_run(module_server.url, "in-process")
    assert run.data.params["tracking.tracking_uri"] == module_server.url.replace("http://", "http://***@")
    assert PASSWORD not in caplog.text
    assert files_holding(tmp_path, PASSWORD) == files_holding(module_server.folder, PASSWORD) == []
