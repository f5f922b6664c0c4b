"""Label spellings and a dev split with one class, through a whole run with the tiny model and data=files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.data.splits import MAX_CLASS_KEY, metric_safe
from experiments.errors import ConfigurationError
from experiments.run.runner import train
from tests.conftest import dataset_profile


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


@pytest.mark.slow
def test_labels_mlflow_refuses_in_metric_names_train_and_log_under_safe_unique_keys(
    compose_config, tmp_path: Path, tracking_uri: str
):
    long_label = ", ".join(["a label longer than MLflow's limit on a metric name"] * 6)
    labels = ["it's", "n/a (unsure)", "yes?", "yes!", long_label]
    snli = Path(__file__).parents[1] / "fixtures" / "snli_dev_300.jsonl"
    rows = [json.loads(line) for line in snli.read_text(encoding="utf-8").splitlines()]
    files = {}
    for split, (start, stop) in {"train": (0, 150), "dev": (150, 225), "test": (225, 300)}.items():
        files[split] = tmp_path / f"{split}.jsonl"
        lines = [
            json.dumps({"q": row["premise"], "a": row["hypothesis"], "y": labels[i % len(labels)]})
            for i, row in enumerate(rows[start:stop])
        ]
        files[split].write_text("\n".join(lines) + "\n", encoding="utf-8")
    overrides = files_overrides(files["train"], f"data.dev={files['dev']}", f"data.test={files['test']}")
    train(compose_config(*overrides, "head=multiclass", "trainer.epochs=2"))

    client = MlflowClient(tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    assert run.info.status == "FINISHED"
    keys = {  # class ids follow the sorted labels: yes! (3) keeps yes_, yes? (4) gets its id
        long_label: metric_safe(long_label)[:MAX_CLASS_KEY], "it's": "it_s", "n/a (unsure)": "n_a _unsure_",
        "yes!": "yes_", "yes?": "yes__4",
    }  # fmt: skip
    for key in keys.values():
        assert len(client.get_metric_history(run.info.run_id, f"dev/precision_{key}")) == 2
        assert f"test/f1_{key}" in run.data.metrics and dataset_profile(run, "train")[f"count_{key}"] == 30
    recorded = json.loads(
        Path(client.download_artifacts(run.info.run_id, "data/labels.json", str(tmp_path))).read_text()
    )
    names = sorted(labels)
    assert recorded["label_names"] == names and recorded["metric_keys"] == keys
    decision = json.loads((tmp_path / "run" / "model" / "decision.json").read_text(encoding="utf-8"))
    assert decision["label_names"] == names
