"""The snli / mnli presets on the real files, WikiQA's published counts, and snli end to end with MLflow."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from hydra.utils import instantiate
from mlflow.tracking import MlflowClient

from experiments.data import class_counts, fingerprint, load_wikiqa
from experiments.models.decision import PairClassifier
from experiments.run.runner import train
from tests.conftest import SMOKE, dataset_profile

PROJECT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path | None:
    """$EXPERIMENTS_DATA_DIR, else the first ``shared/data`` beside the project or one of its parents."""
    if "EXPERIMENTS_DATA_DIR" in os.environ:
        return Path(os.environ["EXPERIMENTS_DATA_DIR"])
    return next((p / "shared" / "data" for p in PROJECT.parents if (p / "shared" / "data" / "snli").is_dir()), None)


@pytest.fixture
def nli_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = shared_data_dir()
    if folder is None or not (folder / "snli").is_dir():
        pytest.skip("the SNLI / MultiNLI files are not at hand (set EXPERIMENTS_DATA_DIR)")
    monkeypatch.setenv("EXPERIMENTS_DATA_DIR", str(folder))
    return folder


@pytest.mark.parametrize(("preset", "rows"), [("snli", 9842), ("mnli", 9815)])
def test_nli_preset_carves_three_stratified_splits_from_one_file(
    compose_config, nli_data: Path, preset: str, rows: int
):
    cfg = compose_config(f"data={preset}", "data.max_train_rows=null")
    data = instantiate(cfg.data, seed=cfg.seed)
    assert data.name == preset and data.label_names == ["entailment", "neutral", "contradiction"]
    assert data.rows_read == {"train": rows}
    assert len(data.train) + len(data.dev) + len(data.test) == rows
    assert len(data.test) == math.ceil(rows * 0.1) and abs(len(data.dev) - rows * 0.1) <= 1
    for dataset in (data.dev, data.test):
        shares = [count / len(dataset) for count in class_counts(dataset["label"], 3)]
        assert all(abs(share - 1 / 3) < 0.03 for share in shares)
    other_seed = instantiate(cfg.data, seed=cfg.seed + 1)
    assert fingerprint(other_seed.test) == fingerprint(data.test)  # the carving ignores the run seed


def test_wikiqa_keeps_every_published_row():
    data = load_wikiqa()
    assert data.rows_read == {"train": 20360, "dev": 2733, "test": 6165}
    assert data.label_names == ["0", "1"] and len(set(data.dev["group"])) == 296


def test_snli_end_to_end_logs_labels_class_shares_and_fingerprints(
    compose_config, nli_data: Path, tracking_uri: str, tmp_path: Path
):
    overrides = ("data=snli", "head=multiclass", "evaluation.select_metric=dev_f1_macro", "trainer.epochs=1")
    small = ("data.max_train_rows=200", "data.test_fraction=0.03", "data.dev_fraction=0.03")
    cfg = compose_config(*SMOKE, *overrides, *small)
    summary = train(cfg)
    client = MlflowClient(tracking_uri)
    run = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])[0]
    assert run.info.status == "FINISHED" and "test_accuracy" in summary
    metrics, params, tags = run.data.metrics, run.data.params, run.data.tags
    train_profile = dataset_profile(run, "train")
    assert train_profile["rows"] == 200 and train_profile["rows_read"] == 9842 and params["data_rows_train"] == "200"
    assert dataset_profile(run, "test")["rows"] == 296 and dataset_profile(run, "dev")["rows"] == 296
    assert not any(name.startswith("data") for name in metrics)
    for split in ("train", "dev", "test"):
        profile = dataset_profile(run, split)
        counts = [profile[f"count_{name}"] for name in ("entailment", "neutral", "contradiction")]
        assert sum(counts) == profile["rows"]
        shares = [profile[f"share_{name}"] for name in ("entailment", "neutral", "contradiction")]
        assert sum(shares) == pytest.approx(1.0)
        (digest,) = {entry.dataset.digest for entry in run.inputs.dataset_inputs if entry.dataset.name.endswith(split)}
        assert digest == tags[f"data_fingerprint_{split}"]
        assert len(tags[f"data_fingerprint_{split}"]) == 16
    labels = json.loads(Path(client.download_artifacts(run.info.run_id, "data/labels.json", str(tmp_path))).read_text())
    assert labels == {
        "label_names": ["entailment", "neutral", "contradiction"],
        "label_ids": {"entailment": 0, "neutral": 1, "contradiction": 2},
        "metric_keys": {"entailment": "entailment", "neutral": "neutral", "contradiction": "contradiction"},
    }
    assert PairClassifier.load(tmp_path / "run" / "model").rule.label_names == labels["label_names"]
