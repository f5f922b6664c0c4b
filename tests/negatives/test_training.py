"""A few training steps with the tiny model in every mode, through the runner; mode / loss mismatches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.run.runner import train
from experiments.tracking import mlflow_metric_name as mlflow_name
from tests.conftest import SMOKE, dataset_profile


@pytest.fixture
def grouped_files(tmp_path: Path) -> list[str]:
    """Train / dev / test JSON lines with negative lists of length 0, 1 and many."""
    rows = []
    for i in range(8):
        negatives = [f"unrelated sentence {i} number {j}" for j in range(i % 4 * 2)]
        positives = [] if i % 4 == 3 else [f"the answer to question {i}"]
        rows.append({"anchor": f"what is question {i}?", "positive": positives, "negative": negatives})
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return [f"data.{split}={tmp_path / f'{split}.jsonl'}" for split in ("train", "dev", "test")]


def only_run(tracking_uri: str) -> tuple[MlflowClient, Run]:
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    (run,) = client.search_runs([experiment.experiment_id])
    return client, run


@pytest.mark.parametrize(
    ("overrides", "training_rows"),
    [
        (["negatives=flatten"], None),
        (["negatives=sample_k", "negatives.k=2"], None),
        (["negatives=fixed_k", "negatives.k=3"], 4),  # anchors with a positive and a negative to repeat
        (["negatives=listwise"], 6),  # anchors with a positive
        (["negatives=listwise", "loss=listmle"], 6),
    ],
)
def test_every_mode_trains_and_logs_ranking_metrics_per_epoch(
    compose_config, tracking_uri: str, grouped_files: list[str], overrides: list[str], training_rows: int | None
):
    cfg = compose_config(*SMOKE, "data=grouped", *grouped_files, "trainer.batch_size=4", *overrides)
    summary = train(cfg)
    client, run = only_run(tracking_uri)
    assert run.info.status == "FINISHED"
    for key in ("dev_map", "dev_mrr", "dev_ndcg_at_10", "dev_f1_threshold"):
        assert sorted(m.step for m in client.get_metric_history(run.info.run_id, mlflow_name(key))) == [1, 2], key
    assert 0.0 <= summary["test_map"] <= 1.0 and "test_mrr" in summary
    assert dataset_profile(run, "train")["rows"] == 30  # every candidate pair, whatever the mode trains on
    assert run.data.metrics["negatives/train_anchors_without_positive"] == 2
    if training_rows is not None:
        assert run.data.metrics["negatives/train_rows"] == training_rows


def test_sample_k_logs_the_pairs_of_each_epoch(compose_config, tracking_uri: str, grouped_files: list[str]):
    train(
        compose_config(
            *SMOKE, "data=grouped", *grouped_files, "trainer.batch_size=8", "negatives=sample_k", "negatives.k=1"
        )
    )
    client, run = only_run(tracking_uri)
    counts = client.get_metric_history(run.info.run_id, "sampling/count_class_0")
    assert [m.value for m in sorted(counts, key=lambda m: m.step)] == [6.0, 6.0]  # one negative per anchor that has one


def test_wikiqa_grouped_trains_with_fixed_k(compose_config, tracking_uri: str, small_wikiqa: Path):
    cfg = compose_config(
        *SMOKE,
        "data=wikiqa_grouped",
        f"data.root={small_wikiqa}",
        "data.max_train_groups=40",
        "data.ranked_eval_only=true",
        "negatives=fixed_k",
        "trainer.epochs=1",
    )
    summary = train(cfg)
    _, run = only_run(tracking_uri)
    assert run.data.tags["loss"] == "mnrl"
    assert run.data.metrics["dev/ranked_groups"] == 4 and summary["test_ranked_groups"] == 6
    dropped = run.data.metrics["negatives/train_dropped_no_positive"]
    assert dropped == run.data.metrics["negatives/train_anchors_without_positive"] > 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["negatives=fixed_k", "loss=plain"],
            r"negatives=fixed_k cannot train with BinaryCrossEntropyLoss: it needs a multiple-negatives ranking loss "
            r"reading \(anchor, positive, negative_1..negative_k\); losses that fit: mnrl",
        ),
        (
            ["negatives=listwise", "loss=mnrl"],
            r"negatives=listwise cannot train with MultipleNegativesRankingLoss: it needs a listwise ranking loss "
            r"reading \(query, \[documents\], \[labels\]\); losses that fit: listnet, lambdaloss, listmle",
        ),
        (
            ["negatives=flatten", "loss=listnet"],
            r"negatives=flatten cannot train with ListNetLoss: it needs a pointwise pair loss; losses that fit: plain "
            r"or any other pair-classification loss \(not mnrl, listnet, lambdaloss, listmle\)",
        ),
    ],
)
def test_a_loss_that_does_not_fit_the_mode_fails_before_training(
    compose_config, grouped_files: list[str], overrides: list[str], message: str
):
    with pytest.raises(ConfigurationError, match=message):
        train(compose_config(*SMOKE, "data=grouped", *grouped_files, *overrides))


def test_grouped_data_with_negatives_none_says_which_modes_fit(compose_config, grouped_files: list[str]):
    with pytest.raises(
        ConfigurationError, match=r"grouped data needs negatives=flatten, fixed_k, sample_k or listwise"
    ):
        train(compose_config(*SMOKE, "data=grouped", *grouped_files))
