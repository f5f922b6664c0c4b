"""``experiments-train`` as a person runs it, in a subprocess: one-line user errors, --help, the run's console."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.tracking.tags import SWEEP_PARENT_TAG
from tests.conftest import fast_overrides

SRC = Path(__file__).resolve().parents[1] / "src"


def cli(*args: str, cwd: Path, timeout_s: int = 1800) -> subprocess.CompletedProcess[str]:
    """``python -m experiments.train ARGS`` in ``cwd`` with this checkout's source and a SQLite store in ``cwd``."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{cwd / 'mlflow.db'}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "experiments.train", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)


def runs(cwd: Path) -> list:
    client = MlflowClient(f"sqlite:///{cwd / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    found = [] if experiment is None else client.search_runs([experiment.experiment_id])
    return [run for run in found if SWEEP_PARENT_TAG not in run.data.tags]  # jobs, not a sweep's parent


def test_a_config_error_is_one_line_on_stderr_and_status_2(tmp_path: Path):
    result = cli("experiment=smoke", "trainer.learning_rate=-1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: trainer.learning_rate must be positive, got -1.0\n"
    assert not (tmp_path / "outputs").exists()


def test_a_data_and_loss_mismatch_stops_before_the_model_with_no_run_and_no_folder(tmp_path: Path, tiny_wikiqa: Path):
    result = cli(*fast_overrides(tiny_wikiqa), "loss=mnrl", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: negatives=none cannot train with MultipleNegativesRankingLoss")
    assert result.stderr.count("\n") == 1
    assert "Loading weights" not in result.stdout + result.stderr
    assert not (tmp_path / "outputs").exists() and runs(tmp_path) == []


def test_help_lists_the_groups_and_options_without_schemas(tmp_path: Path):
    result = cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith("experiments-train: train a sentence-transformers CrossEncoder")
    assert "loss: dice, distillation," in text and "model: minilm, tiny\n" in text
    assert "trainer: default\n" in text and "--cfg job" in text
    assert "_schema" not in text and "powered by Hydra" not in text


def test_a_schema_is_not_an_option(tmp_path: Path):
    result = cli("model=tiny_schema", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: model=tiny_schema: no such option; choose one of minilm, tiny\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["loss=focall"], "error: loss=focall: no such option; choose one of dice, distillation, "),
        (["-m", "seed=1,2", "trainer.epoch=3"], "error: trainer.epoch=3: no such key; did you mean trainer.epochs?"),
        (["model.name=/nonexistent"], "error: model.name: the local model folder '/nonexistent' does not exist"),
        (["data=files", "data.train=/nonexistent.csv"], "error: data.train: file not found: /nonexistent.csv"),
    ],
)
def test_a_mistake_on_the_command_line_is_one_line_status_2_and_leaves_nothing(
    tmp_path: Path, overrides: list[str], message: str
):
    result = cli(*overrides, cwd=tmp_path, timeout_s=120)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # no outputs/, multirun/, mlflow.db, mlartifacts/


def test_a_run_shows_signs_of_life_metrics_once_and_ends_with_a_summary(tmp_path: Path, tiny_wikiqa: Path):
    result = cli(*fast_overrides(tiny_wikiqa), f"output_dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout + result.stderr
    assert out.count("scoring dev (40 pairs) ...") == 2
    assert "restoring epoch " in out and "scoring test (40 pairs) at epoch " in out
    assert out.count("dev after epoch 1") == 1 and "'eval_dev_f1'" not in out
    assert "pin_memory" not in out
    (run,) = runs(tmp_path)
    tail = result.stdout.rstrip().splitlines()[-6:]
    assert tail[0].startswith(f"Best epoch {int(run.data.metrics['dev/best_epoch'])} (by dev_f1 = ")
    assert tail[1].startswith("  dev   F1 ") and tail[2].startswith("  test  F1 ")
    assert tail[3:] == [
        f"Model:      {tmp_path / 'run' / 'model'}",
        f"MLflow run: {run.info.run_id}",
        f"Browse:     mlflow ui --backend-store-uri sqlite:///{tmp_path / 'mlflow.db'} --app-name experiments",
    ]


def test_sweep_jobs_prefix_their_log_lines_and_record_their_failure(tmp_path: Path, tiny_wikiqa: Path):
    result = cli(
        "-m", *fast_overrides(tiny_wikiqa), "loss=mnrl", "seed=1,2", f"hydra.sweep.dir={tmp_path / 'm'}", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for job in (0, 1):
        assert f"[job {job}] MLflow run " in result.stdout
        assert f"[job {job}] Job {job} failed: negatives=none cannot train" in result.stdout
    assert [run.info.status for run in runs(tmp_path)] == ["FAILED", "FAILED"]
    assert "Traceback" not in result.stdout + result.stderr
