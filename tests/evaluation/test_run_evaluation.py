"""Through the runner: model selection by the configured metric, the evaluation artifacts, string labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from experiments.evaluation.selection import select_best_epoch
from experiments.models.decision import DECISION_FILE, PairClassifier
from experiments.run.runner import train
from experiments.tracking import mlflow_metric_name as mlflow_name
from tests.factories import use_nli_sample

EPOCHS = ("experiment=smoke", "trainer.epochs=3")
BINARY_FIGURES = {
    "evaluation/dev_precision_recall.png",
    "evaluation/dev_metric_vs_threshold.png",
    "evaluation/test_confusion_matrix.png",
    "evaluation/thresholds_per_epoch.png",
}


def only_run(tracking_uri: str):
    client = MlflowClient(tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    return client, run


def artifact_paths(client: MlflowClient, run_id: str, folder: str) -> set[str]:
    return {info.path for info in client.list_artifacts(run_id, folder)}


def read_json(client: MlflowClient, run_id: str, artifact: str) -> dict:
    return json.loads(Path(client.download_artifacts(run_id, artifact)).read_text())


def history(client: MlflowClient, run_id: str, key: str) -> dict[int, float]:
    """The per-epoch values of internal key ``key`` (``dev_f1``), logged under its MLflow name (``dev/f1``)."""
    return {m.step: m.value for m in client.get_metric_history(run_id, mlflow_name(key))}


def test_select_best_epoch_follows_the_metric():
    records = [
        {"epoch": 1.0, "dev_f1": 0.5, "dev_mcc": 0.4},
        {"epoch": 2.0, "dev_f1": 0.7, "dev_mcc": 0.2},
        {"epoch": 3.0, "dev_f1": 0.7, "dev_mcc": 0.3},
    ]
    assert select_best_epoch(records, "dev_f1")["epoch"] == 2.0  # ties: the first epoch wins
    assert select_best_epoch(records, "dev_mcc")["epoch"] == 1.0


@pytest.mark.parametrize("select_metric", ["dev_mcc", "dev_average_precision"])
def test_binary_run_selects_by_metric_and_logs_figures(compose_config, tracking_uri, select_metric):
    cfg = use_nli_sample(compose_config(*EPOCHS, f"evaluation.select_metric={select_metric}"), binary=True)
    summary = train(cfg)
    client, run = only_run(tracking_uri)
    run_id = run.info.run_id

    selected = history(client, run_id, select_metric)
    assert sorted(selected) == [1, 2, 3]
    best_epoch = min(epoch for epoch, value in selected.items() if value == max(selected.values()))
    assert summary["best_epoch"] == best_epoch == run.data.metrics["dev/best_epoch"]
    assert summary[f"best_{select_metric}"] == pytest.approx(selected[best_epoch])
    for metric in ("accuracy", "f1", "fbeta", "mcc"):
        thresholds = history(client, run_id, f"dev_{metric}_threshold")
        assert summary[f"best_dev_{metric}_threshold"] == pytest.approx(thresholds[best_epoch])
        assert run.data.metrics[f"test/{metric}_threshold"] == pytest.approx(thresholds[best_epoch])

    assert artifact_paths(client, run_id, "evaluation") >= BINARY_FIGURES
    table = pd.read_csv(client.download_artifacts(run_id, "evaluation/thresholds_per_epoch.csv"))
    assert table["epoch"].tolist() == [1, 2, 3]
    f1_thresholds = history(client, run_id, "dev_f1_threshold")
    assert table["dev_f1_threshold"].tolist() == pytest.approx([f1_thresholds[e] for e in (1, 2, 3)])
    logged_summary = read_json(client, run_id, "evaluation/summary.json")
    assert logged_summary["best_epoch"] == best_epoch


def test_string_labelled_three_classes_run_end_to_end(compose_config, tracking_uri, tmp_path):
    cfg = use_nli_sample(compose_config("experiment=smoke", "trainer.epochs=2", "head=multiclass"))
    summary = train(cfg)
    client, run = only_run(tracking_uri)
    run_id = run.info.run_id
    assert run.info.status == "FINISHED"
    assert run.data.params["evaluation.select_metric"] == "dev_f1_macro"

    names = ["contradiction", "entailment", "neutral"]
    labels = read_json(client, run_id, "data/labels.json")
    assert labels == {
        "label_names": names,
        "label_ids": {"contradiction": 0, "entailment": 1, "neutral": 2},
        "metric_keys": {name: name for name in names},  # MLflow accepts these labels as they are
    }
    decision = json.loads((tmp_path / "run" / "model" / DECISION_FILE).read_text())
    assert decision["label_names"] == names and decision["head"] == "multiclass"
    assert decision["threshold"] is None and decision["select_metric"] == "dev_f1_macro"

    for key in (
        "test_accuracy",
        "test_f1_macro",
        "test_f1_weighted",
        "test_mcc",
        "test_balanced_accuracy",
        *(f"test_{m}_{name}" for m in ("precision", "recall", "f1") for name in names),
    ):
        assert mlflow_name(key) in run.data.metrics, key
    assert sorted(history(client, run_id, "dev_f1_macro")) == [1, 2]
    assert summary["best_dev_f1_macro"] == pytest.approx(max(history(client, run_id, "dev_f1_macro").values()))
    assert {"evaluation/dev_confusion_matrix.png", "evaluation/test_confusion_matrix.png"} <= artifact_paths(
        client, run_id, "evaluation"
    )

    classifier = PairClassifier.load(tmp_path / "run" / "model")
    predicted = classifier.predict([("A dog runs on the beach.", "An animal is outside."), ("A cat sleeps.", "A cat.")])
    assert set(predicted) <= set(names)
    assert np.asarray(classifier.scores([("A cat sleeps.", "A cat.")])).shape == (1, 3)
