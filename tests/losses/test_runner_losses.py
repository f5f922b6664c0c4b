"""The runner with the loss group: counts and weights reach MLflow, bad settings and divergence fail the run."""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.run.runner import train
from experiments.run.training import NonFiniteLossError


def only_run(tracking_uri: str):
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    (run,) = client.search_runs([experiment.experiment_id])
    return run


def test_a_diverging_run_is_marked_failed_with_its_step(compose_config, tracking_uri: str, smoke: tuple[str, ...]):
    cfg = compose_config(
        *smoke,
        "loss=focal",
        "head=binary_softmax",
        "loss.alpha=class_weights",
        "trainer.learning_rate=1e6",
        "trainer.warmup_ratio=0",
        "trainer.epochs=1",
    )
    with pytest.raises(NonFiniteLossError, match=r"training loss is (nan|inf) at step \d+"):
        train(cfg)
    run = only_run(tracking_uri)
    assert run.info.status == "FAILED"
    assert "NonFiniteLossError: training loss is" in run.data.tags["error"]
    assert " at step " in run.data.tags["error"]
    counts = json.loads(run.data.params["loss_class_counts"])
    assert json.loads(run.data.params["loss_config.class_counts"]) == counts
    weights = json.loads(run.data.params["loss_config.alpha"])
    assert weights[0] / weights[1] == pytest.approx(counts[1] / counts[0])
    assert run.data.params["loss_config.gamma"] == "2.0"


def test_a_bad_loss_setting_fails_before_training(compose_config, tracking_uri: str, smoke: tuple[str, ...]):
    with pytest.raises(ConfigurationError, match=r"loss=focal: gamma must be in \[0, inf\), got -1"):
        train(compose_config(*smoke, "loss=focal", "loss.gamma=-1"))
    run = only_run(tracking_uri)
    assert run.info.status == "FAILED"
    assert "loss=focal: gamma must be in [0, inf), got -1" in run.data.tags["error"]
    assert "train/loss" not in run.data.metrics
