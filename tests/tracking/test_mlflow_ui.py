"""What the MLflow UI shows of one run: the experiment kind, sectioned metric names, datasets, the description,
the run name, and the trained classifier as an MLflow 3 logged model that predicts what ``PairClassifier``
predicts."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import mlflow
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from mlflow.entities import LoggedModel, LoggedModelStatus, Run
from mlflow.tracking import MlflowClient
from omegaconf import open_dict

import experiments
from experiments.config import register_configs
from experiments.config.location import config_dir
from experiments.data.wikiqa import load_wikiqa
from experiments.models.decision import PairClassifier
from experiments.run.runner import train
from experiments.tracking import MlflowTracker, mlflow_metric_name
from experiments.tracking.names import run_name
from tests.conftest import fast_overrides


@dataclass(frozen=True)
class TrainedRun:
    tracking_uri: str
    run: Run
    summary: dict[str, float]
    model_dir: Path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_wikiqa: Path) -> Iterator[TrainedRun]:
    """One tiny run, 2 epochs, into a fresh SQLite store, its model registered as ``qa``."""
    folder = tmp_path_factory.mktemp("ui")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    GlobalHydra.instance().clear()
    register_configs()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        overrides = [*fast_overrides(tiny_wikiqa), "loss=focal", "tracking.register_model=qa"]
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.output_dir = str(folder / "run")
        cfg.tracking.tracking_uri = uri
        del cfg["hydra"]
    try:
        summary = train(cfg)
    finally:
        GlobalHydra.instance().clear()
    client = MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    yield TrainedRun(uri, run, summary, folder / "run" / "model")


def test_the_experiment_is_tagged_as_model_training(trained: TrainedRun):
    experiment = MlflowClient(trained.tracking_uri).get_experiment(trained.run.info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"


def test_an_existing_experiment_without_a_kind_gets_it_and_another_kind_is_kept(tracking_uri: str):
    client = MlflowClient(tracking_uri)
    bare = client.create_experiment("bare")
    other = client.create_experiment("other", tags={"mlflow.experimentKind": "genai_development"})
    for name in ("bare", "other"):
        with MlflowTracker(tracking_uri, name):
            pass
    assert client.get_experiment(bare).tags["mlflow.experimentKind"] == "custom_model_development"
    assert client.get_experiment(other).tags["mlflow.experimentKind"] == "genai_development"


def test_metrics_are_sectioned_per_epoch_without_best_copies_or_data_counts(trained: TrainedRun):
    client = MlflowClient(trained.tracking_uri)
    metrics = trained.run.data.metrics
    assert all("/" in name for name in metrics), sorted(name for name in metrics if "/" not in name)
    assert {name.split("/")[0] for name in metrics} == {"dev", "test", "train", "time", "sampling"}
    for name in ("dev/f1", "dev/f1_threshold", "dev/mcc", "dev/average_precision", "train/loss"):
        assert [point.step for point in client.get_metric_history(trained.run.info.run_id, name)] == [1, 2], name
    best_epoch = int(metrics["dev/best_epoch"])
    assert best_epoch == trained.summary["best_epoch"]
    dev_f1 = {point.step: point.value for point in client.get_metric_history(trained.run.info.run_id, "dev/f1")}
    assert dev_f1[best_epoch] == pytest.approx(trained.summary["best_dev_f1"])
    assert metrics["test/f1"] == pytest.approx(trained.summary["test_f1"])
    assert {"time/train_runtime_s", "time/train_epoch_seconds", "train/epochs_trained"} <= set(metrics)
    assert not any(name.startswith(("best", "data")) for name in metrics)


def test_the_metric_names_follow_one_mapping():
    assert mlflow_metric_name("dev_f1") == "dev/f1"
    assert mlflow_metric_name("dev_ece") == "dev/ece"  # new dev metrics need no new rule
    assert mlflow_metric_name("test_f1_macro") == "test/f1_macro"
    assert mlflow_metric_name("train_loss") == "train/loss"
    assert mlflow_metric_name("train_count_class_1") == "sampling/count_class_1"
    assert mlflow_metric_name("train_majority_coverage") == "sampling/majority_coverage"
    assert mlflow_metric_name("negatives_train_anchors") == "negatives/train_anchors"
    assert mlflow_metric_name("eval_share") == "time/eval_share"
    assert mlflow_metric_name("best_epoch") == "dev/best_epoch"
    assert mlflow_metric_name("cv_std_test_f1") == "test/f1_cv_std"
    assert mlflow_metric_name("best_dev_f1") is None and mlflow_metric_name("cv_std_best_dev_f1") is None
    assert mlflow_metric_name("dev/f1") == "dev/f1" and mlflow_metric_name("ensemble_size") == "ensemble_size"


def test_data_sizes_are_dataset_inputs_and_params(trained: TrainedRun):
    inputs = {entry.dataset.name: entry for entry in trained.run.inputs.dataset_inputs}
    assert sorted(inputs) == ["wikiqa-dev", "wikiqa-test", "wikiqa-train"]
    train_input = inputs["wikiqa-train"]
    assert train_input.dataset.digest == trained.run.data.tags["data_fingerprint_train"]
    assert [(tag.key, tag.value) for tag in train_input.tags] == [("mlflow.data.context", "train")]
    profile = json.loads(train_input.dataset.profile)
    assert profile["rows"] == 80 == profile["count_0"] + profile["count_1"]
    assert trained.run.data.params["data_rows_train"] == "80" and trained.run.data.params["data_rows_dev"] == "40"
    assert "data_fingerprint_train" not in trained.run.data.params


def test_the_run_has_a_readable_name_and_a_markdown_description(trained: TrainedRun):
    assert trained.run.info.run_name == "focal · auto · seed 42"
    note = trained.run.data.tags["mlflow.note.content"]
    best_epoch = int(trained.summary["best_epoch"])
    assert "**Data** `wikiqa`: train 80 rows (0: " in note and "dev 40 rows" in note
    assert "**head** binary_sigmoid" in note and "**loss** focal" in note and "**sampling** auto" in note
    assert f"**Best epoch** {best_epoch} of 2 (by `dev_f1`)." in note
    assert f"| f1 | {trained.summary['best_dev_f1']:.4f} | {trained.summary['test_f1']:.4f} |" in note


def test_run_names_keep_the_seed_and_the_job_number():
    choices = {"loss": "focal", "sampling": "over", "negatives": "none", "head": "binary_softmax"}
    assert run_name(choices, 3) == "focal · over · binary_softmax · seed 3"
    assert run_name(choices, 3, "7") == "#7 focal · over · binary_softmax · seed 3"


def logged_model(trained: TrainedRun) -> LoggedModel:
    (model,) = MlflowClient(trained.tracking_uri).search_logged_models([trained.run.info.experiment_id])
    return model


def test_the_run_has_an_mlflow_3_logged_model_with_its_metrics(trained: TrainedRun):
    model = logged_model(trained)
    best_epoch = int(trained.summary["best_epoch"])
    assert (model.name, model.source_run_id, model.status) == (
        "model",
        trained.run.info.run_id,
        LoggedModelStatus.READY,
    )
    assert trained.run.data.tags["model_uri"] == f"models:/{model.model_id}"
    assert [(output.model_id, output.step) for output in trained.run.outputs.model_outputs] == [
        (model.model_id, best_epoch)
    ]
    assert model.params == trained.run.data.params
    metrics = {metric.key: metric for metric in model.metrics}
    assert set(metrics) == set(trained.run.data.metrics)  # every metric of the run, once
    assert all(metric.run_id == trained.run.info.run_id for metric in model.metrics)
    assert metrics["test/f1"].value == pytest.approx(trained.summary["test_f1"])
    # a per-epoch metric at the epoch the model comes from, not at the last epoch
    assert (metrics["dev/f1"].step, metrics["dev/f1"].value) == (
        best_epoch,
        pytest.approx(trained.summary["best_dev_f1"]),
    )
    history = MlflowClient(trained.tracking_uri).get_metric_history(trained.run.info.run_id, "dev/f1")
    assert [point.step for point in history] == [1, 2]  # linking logged no new point


def test_the_logged_model_predicts_what_the_pair_classifier_predicts(trained: TrainedRun, tiny_wikiqa: Path):
    mlflow.set_tracking_uri(trained.tracking_uri)
    uri = f"models:/{logged_model(trained).model_id}"
    model = mlflow.pyfunc.load_model(uri)
    test = load_wikiqa(str(tiny_wikiqa)).test
    frame = pd.DataFrame({"text_a": test["sentence_a"], "text_b": test["sentence_b"]})
    predicted = model.predict(frame)
    classifier = PairClassifier.load(trained.model_dir)
    pairs = list(zip(frame["text_a"], frame["text_b"], strict=True))
    assert list(predicted.columns) == ["label", "score"]
    assert predicted["label"].tolist() == classifier.predict(pairs)
    assert predicted["score"].to_numpy() == pytest.approx(classifier.scores(pairs), abs=1e-6)
    info = mlflow.models.get_model_info(uri)
    assert info.signature.inputs.input_names() == ["text_a", "text_b"]
    assert info.metadata["threshold"] == pytest.approx(classifier.rule.threshold)
    assert info.metadata["label_names"] == ["0", "1"]
    assert info.model_id == logged_model(trained).model_id and info.run_id == trained.run.info.run_id
    # the MLmodel names no path of the machine that logged it (MLflow writes where the code and artifacts came from)
    mlmodel = (Path(urlparse(logged_model(trained).artifact_location).path) / "MLmodel").read_text(encoding="utf-8")
    assert str(trained.model_dir) not in mlmodel and str(Path(experiments.__file__).parent) not in mlmodel
    assert "model_code_path: pyfunc_code.py" in mlmodel
    # MLflow resolves the run's own URI to the same logged model
    assert mlflow.pyfunc.load_model(f"runs:/{trained.run.info.run_id}/model").metadata.model_id == info.model_id


def test_the_model_is_registered_under_its_name(trained: TrainedRun):
    model = logged_model(trained)
    (version,) = MlflowClient(trained.tracking_uri).search_model_versions("name = 'qa'")
    assert int(version.version) == 1 and version.run_id == trained.run.info.run_id
    assert version.source == model.artifact_location
    assert json.loads(model.tags["mlflow.modelVersions"]) == [{"name": "qa", "version": 1}]  # the UI's link
    mlflow.set_tracking_uri(trained.tracking_uri)
    loaded = mlflow.pyfunc.load_model("models:/qa/1")
    assert loaded.metadata.signature.outputs.input_names() == ["label", "score"]


def test_log_model_false_logs_no_model(compose_config, tiny_wikiqa: Path, tracking_uri: str):
    train(compose_config(*fast_overrides(tiny_wikiqa, epochs=1), "tracking.log_model=false"))
    client = MlflowClient(tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    assert [artifact.path for artifact in client.list_artifacts(run.info.run_id, "model")] == []
    assert client.search_logged_models([run.info.experiment_id]) == []
    assert "model_uri" not in run.data.tags and Path(run.data.tags["model_dir"]).is_dir()


def test_a_registry_refusal_at_the_end_leaves_the_run_finished(
    compose_config, tiny_wikiqa: Path, tracking_uri: str, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING):
        train(compose_config(*fast_overrides(tiny_wikiqa, epochs=1), "tracking.register_model=team/qa"))
    client = MlflowClient(tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    assert run.info.status == "FINISHED" and "error" not in run.data.tags
    refusal = run.data.tags["model_registration_error"]
    assert re.fullmatch(r"'team/qa': .*Invalid model name 'team/qa'\. Names cannot contain '/' or ':'\.", refusal)
    uri = run.data.tags["model_uri"]
    assert uri.startswith("models:/") and client.search_registered_models() == []
    assert f"The model {uri} is logged but could not be registered as 'team/qa'" in caplog.text
