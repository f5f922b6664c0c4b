"""In real training: the trainer moves the sampler from epoch to epoch, and only the training split is resampled."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.evaluation import PairClassificationEvaluator
from experiments.heads.binary_sigmoid import BinarySigmoidHead
from experiments.losses import plain_loss
from experiments.models import tiny_cross_encoder
from experiments.run.runner import train
from experiments.run.training import GuardedCrossEncoderTrainer, training_arguments
from experiments.sampling import RotatingUnderSampling, batch_sampler_factory
from experiments.signals import Terminated, terminate_gracefully
from experiments.tracking import mlflow_metric_name as mlflow_name
from experiments.tracking.resume import last_checkpoint
from tests.conftest import dataset_profile


def pairs(labels: list[int], prefix: str) -> Dataset:
    return Dataset.from_dict(
        {
            "sentence_a": [f"{prefix} question {i}" for i in range(len(labels))],
            "sentence_b": [f"answer {i % 7}" for i in range(len(labels))],
            "label": labels,
        }
    )


def dev_evaluator(dev: Dataset) -> PairClassificationEvaluator:
    return PairClassificationEvaluator(
        pairs=list(zip(dev["sentence_a"], dev["sentence_b"], strict=True)),
        labels=dev["label"],
        head=BinarySigmoidHead(),
        label_names=["0", "1"],
    )


def test_trainer_sets_the_epoch_and_evaluation_scores_every_dev_row(tmp_path: Path):
    train_labels = [0] * 24 + [1] * 4  # ratio 0.5 keeps 8 of 24 negatives: 3 epochs cover them
    dev = pairs([0] * 17 + [1] * 3, "dev")
    sampler = RotatingUnderSampling(ratio=0.5, random_state=0).fit(train_labels, 2)
    model = tiny_cross_encoder(num_labels=1)
    evaluator = dev_evaluator(dev)
    trainer = GuardedCrossEncoderTrainer(
        model=model,
        args=training_arguments(
            output_dir=str(tmp_path),
            seed=0,
            select_metric="dev_f1",
            batch_sampler=batch_sampler_factory(sampler),
            epochs=3,
            batch_size=4,
            save_checkpoints=False,
        ),
        train_dataset=pairs(train_labels, "train"),
        loss=plain_loss(model, sampler.epoch_class_counts(0)),
        evaluator=evaluator,
    )
    trainer.train()

    assert sampler.served_epochs_ == [0, 1, 2]
    assert trainer.state.global_step == 3 * 3  # 12 rows a epoch in batches of 4
    assert [sampler.epoch_metrics(e)["train_majority_coverage"] for e in range(3)] == [8 / 24, 16 / 24, 1.0]
    assert trainer.eval_dataset is None
    assert evaluator.last_scores is not None and len(evaluator.last_scores) == len(dev)
    with pytest.raises(ConfigurationError, match=r"got a dataset of 20 rows that is not the training split"):
        trainer.get_eval_dataloader(dev)


def test_a_rotating_run_logs_what_each_epoch_trained_on(compose_config, tracking_uri: str, smoke: tuple[str, ...]):
    cfg = compose_config(*smoke, "trainer.epochs=3", "sampling=rotating", "sampling.ratio=0.5")
    train(cfg)
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    (run,) = client.search_runs([experiment.experiment_id])
    run_id = run.info.run_id

    profile = dataset_profile(run, "train")
    positives, negatives = int(profile["count_1"]), int(profile["count_0"])
    kept = 2 * positives
    assert positives + negatives == 200 and kept < negatives

    def history(key: str) -> list[float]:
        entries = sorted(client.get_metric_history(run_id, mlflow_name(key)), key=lambda m: m.step)
        assert [m.step for m in entries] == [1, 2, 3], key
        return [m.value for m in entries]

    assert history("train_count_class_0") == [kept] * 3
    assert history("train_count_class_1") == [positives] * 3
    assert history("train_majority_coverage") == pytest.approx([k * kept / negatives for k in (1, 2, 3)])
    assert all(seconds > 0 for seconds in history("train_epoch_seconds"))
    assert run.data.params["loss_class_counts"] == f"[{kept}, {positives}]"
    assert dataset_profile(run, "dev")["rows"] == 150 and dataset_profile(run, "test")["rows"] == 150


class StoppedMidCheckpoint(GuardedCrossEncoderTrainer):
    """Receives SIGTERM once the checkpoint's weights are written, before its trainer state."""

    def save_model(self, *args: Any, **kwargs: Any) -> None:
        super().save_model(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10_000):  # bytecode for the handler to run in
            pass


def test_a_stop_signal_during_a_checkpoint_write_stops_training_after_it(tmp_path: Path):
    model = tiny_cross_encoder(num_labels=1)
    trainer = StoppedMidCheckpoint(
        model=model,
        args=training_arguments(output_dir=str(tmp_path), seed=0, select_metric="dev_f1", epochs=2, batch_size=4),
        train_dataset=pairs([0] * 6 + [1] * 2, "train"),
        loss=plain_loss(model, [6, 2]),
        evaluator=dev_evaluator(pairs([0] * 3 + [1] * 2, "dev")),
    )
    with terminate_gracefully(), pytest.raises(Terminated):
        trainer.train()
    assert last_checkpoint(tmp_path) == tmp_path / "checkpoint-2", "the first checkpoint was cut short"
    assert trainer.state.epoch == 1
