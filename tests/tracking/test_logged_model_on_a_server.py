"""The MLflow 3 logged model through a real ``mlflow server``: uploaded to its served artifacts, linked to the
run's metrics, registered, and loaded back by ``models:/<model id>`` from the server."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from omegaconf import open_dict

from experiments.data.wikiqa import load_wikiqa
from experiments.models.decision import PairClassifier
from experiments.run.runner import train
from tests.conftest import fast_overrides
from tests.mlflow_server import Server

pytestmark = pytest.mark.slow


def test_a_run_logs_a_model_the_server_serves_back(compose_config, own_server: Server, tiny_wikiqa: Path):
    cfg = compose_config(*fast_overrides(tiny_wikiqa, epochs=1), "tracking.register_model=served")
    with open_dict(cfg):
        cfg.tracking.tracking_uri = own_server.url
    summary = train(cfg)
    client = MlflowClient(own_server.url)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    (model,) = client.search_logged_models([run.info.experiment_id])
    assert run.data.tags["model_uri"] == f"models:/{model.model_id}" and model.source_run_id == run.info.run_id
    assert {metric.key: metric.value for metric in model.metrics}["test/f1"] == pytest.approx(summary["test_f1"])
    assert "MLmodel" in {artifact.path for artifact in client.list_logged_model_artifacts(model.model_id)}
    assert len(list((own_server.folder / "artifacts").rglob("MLmodel"))) == 1  # stored once, not also in the run
    (version,) = client.search_model_versions("name = 'served'")
    assert version.run_id == run.info.run_id

    test = load_wikiqa(str(tiny_wikiqa)).test
    frame = pd.DataFrame({"text_a": test["sentence_a"], "text_b": test["sentence_b"]})
    pairs = list(zip(frame["text_a"], frame["text_b"], strict=True))
    classifier = PairClassifier.load(Path(cfg.output_dir) / "model")
    mlflow.set_tracking_uri(own_server.url)
    try:
        for uri in (f"models:/{model.model_id}", "models:/served/1"):
            predicted = mlflow.pyfunc.load_model(uri).predict(frame)
            assert predicted["label"].tolist() == classifier.predict(pairs), uri
            assert predicted["score"].to_numpy() == pytest.approx(classifier.scores(pairs), abs=1e-6), uri
    finally:
        mlflow.set_tracking_uri(None)
