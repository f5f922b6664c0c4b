"""End to end: the runner trains the tiny model on WikiQA and MLflow holds what it logged."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from hydra.core.global_hydra import GlobalHydra
from mlflow.tracking import MlflowClient

from experiments.models.decision import PairClassifier
from experiments.run.runner import train
from experiments.tracking import mlflow_metric_name as mlflow_name
from tests.conftest import compose_run_config, dataset_profile, new_store


@dataclass(frozen=True)
class SmokeRun:
    tracking_uri: str
    summary: dict[str, float]
    output_dir: Path


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory, empty_store: Path, smoke: tuple[str, ...]) -> SmokeRun:
    """One smoke run, read by the tests below."""
    folder = tmp_path_factory.mktemp("smoke-run")
    tracking_uri = new_store(empty_store, folder)
    try:
        summary = train(compose_run_config(smoke, folder, tracking_uri))
    finally:
        GlobalHydra.instance().clear()
    return SmokeRun(tracking_uri, summary, folder / "run")


def only_run(tracking_uri: str):
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    return client, runs[0]


def test_smoke_run_logs_per_epoch_thresholds_and_test_metrics(smoke_run: SmokeRun):
    summary = smoke_run.summary
    client, run = only_run(smoke_run.tracking_uri)

    assert run.info.status == "FINISHED"
    for key in (
        "dev_f1_threshold",
        "dev_accuracy_threshold",
        "dev_f1",
        "dev_mcc",
        "dev_average_precision",
        "dev_precision",
        "dev_recall",
        "dev_accuracy",
        "train_loss",
    ):
        history = client.get_metric_history(run.info.run_id, mlflow_name(key))
        assert sorted(m.step for m in history) == [1, 2], key
        if key.endswith("threshold"):
            assert all(0.0 <= m.value <= 1.0 for m in history), key
    for key in ("test_f1", "test_accuracy", "test_mcc", "test_average_precision", "best_epoch"):
        assert mlflow_name(key) in run.data.metrics, key
    best_epoch = int(run.data.metrics["dev/best_epoch"])
    dev_thresholds = {m.step: m.value for m in client.get_metric_history(run.info.run_id, "dev/f1_threshold")}
    assert run.data.metrics["test/f1_threshold"] == pytest.approx(dev_thresholds[best_epoch])
    assert summary["best_dev_f1"] == pytest.approx(
        max(m.value for m in client.get_metric_history(run.info.run_id, "dev/f1"))
    )
    assert run.data.tags["loss"] == "plain" and run.data.tags["model"] == "tiny"
    assert run.data.params["trainer.epochs"] == "2"
    assert [dataset_profile(run, split)["rows"] for split in ("train", "dev", "test")] == [200, 150, 150]
    assert not (smoke_run.output_dir / "checkpoints").exists()


def test_saved_model_carries_its_threshold(smoke_run: SmokeRun):
    summary = smoke_run.summary
    classifier = PairClassifier.load(smoke_run.output_dir / "model")
    assert classifier.rule.threshold == pytest.approx(summary["best_dev_f1_threshold"])
    assert classifier.rule.label_names == ["0", "1"]
    pairs = [
        ("how are glacier caves formed?", "A glacier cave is a cave formed within the ice of a glacier."),
        ("how are glacier caves formed?", "The ice facade is approximately 60 m high"),
    ]
    scores = classifier.scores(pairs)
    labels = classifier.predict(pairs)
    assert labels == ["1" if s > classifier.rule.threshold else "0" for s in scores]
    assert all(math.isfinite(s) for s in scores)


def test_a_crash_marks_the_run_failed(compose_config, tracking_uri: str, smoke: tuple[str, ...]):
    # the focal loss checks gamma when it is built, after the run started
    cfg = compose_config(*smoke, "loss=focal", "loss.gamma=-1")
    with pytest.raises(ValueError, match="gamma"):
        train(cfg)
    _, run = only_run(tracking_uri)
    assert run.info.status == "FAILED"
    assert "loss=focal: gamma must be" in run.data.tags["error"]
