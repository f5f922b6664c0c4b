"""Label spellings and a dev split with one class, through a whole run with the tiny model and data=files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.run.runner import train


def write_pairs(path: Path, labels: list[str]) -> Path:
    rows = [
        f"question {i},answer {i} {'yes' if label.strip().startswith('1') else 'no'},{label}"
        for i, label in enumerate(labels)
    ]
    path.write_text("q,a,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def files_overrides(train_file: Path, *more: str) -> tuple[str, ...]:
    return (
        "experiment=smoke", "data=files", f"data.train={train_file}", "data.text_a=q", "data.text_b=a",
        "data.label=y", "data.max_train_rows=null", "trainer.epochs=1", *more,
    )  # fmt: skip


def test_labels_spelt_several_ways_train_a_binary_model_with_two_classes(compose_config, tmp_path: Path):
    labels = ["0", "1", " 0", " 1", "1.0", "0"] * 12
    train_file = write_pairs(tmp_path / "pairs.csv", labels)
    summary = train(compose_config(*files_overrides(train_file, "data.dev_fraction=0.25", "data.test_fraction=0.25")))
    assert summary["best_epoch"] == 1
    decision = json.loads((tmp_path / "run" / "model" / "decision.json").read_text(encoding="utf-8"))
    assert decision["label_names"] == ["0", "1"]


def test_a_dev_file_with_one_class_stops_before_training(compose_config, tmp_path: Path, tracking_uri: str):
    train_file = write_pairs(tmp_path / "train.csv", ["0", "1"] * 20)
    dev_file = write_pairs(tmp_path / "dev.csv", ["0"] * 10)
    cfg = compose_config(*files_overrides(train_file, f"data.dev={dev_file}", f"data.test={train_file}"))
    with pytest.raises(ConfigurationError, match=re.escape(f"files: the dev split ({dev_file}) holds only class '0'")):
        train(cfg)
    assert not (tmp_path / "run" / "checkpoints").exists()
    # A single run checks its data before its MLflow run exists: nothing is recorded (a sweep job records FAILED).
    assert MlflowClient(tracking_uri).get_experiment_by_name("crossencoder-imbalance") is None
