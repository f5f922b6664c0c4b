from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.run.runner import train
from experiments.run.training import early_stopping


def test_training_stops_after_patience_epochs_without_improvement(
    compose_config, tracking_uri: str, smoke: tuple[str, ...]
):
    # A vanishing learning rate leaves the dev metric unchanged, so epoch 2 brings no improvement.
    cfg = compose_config(
        *smoke, "trainer.epochs=5", "trainer.learning_rate=1e-12", "evaluation.early_stopping_patience=1"
    )
    summary = train(cfg)
    client = MlflowClient(tracking_uri)
    run = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])[0]
    steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, "dev/f1"))
    assert steps == [1, 2]
    assert run.data.metrics["train/epochs_trained"] == 2
    assert summary["best_epoch"] == 1


def test_patience_is_checked():
    assert early_stopping(None, True) == []
    with pytest.raises(ConfigurationError, match="must be a positive integer or null, got 0"):
        early_stopping(0, True)
    with pytest.raises(ConfigurationError, match=r"needs trainer\.save_checkpoints=true"):
        early_stopping(2, False)
