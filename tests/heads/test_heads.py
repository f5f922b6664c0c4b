"""Each head trains and evaluates through the runner with the tiny model; wrong class counts stop at start-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.heads import BinarySigmoidHead, BinarySoftmaxHead, MulticlassHead
from experiments.models.decision import PairClassifier
from experiments.run.runner import train
from experiments.tracking import mlflow_metric_name as mlflow_name
from tests.factories import use_nli_sample

TINY = ("experiment=smoke", "trainer.epochs=1")


@pytest.mark.parametrize(
    ("head", "binary", "num_labels", "dev_metrics"),
    [
        ("binary_sigmoid", True, 1, ("dev_f1", "dev_f1_threshold", "dev_mcc_threshold", "dev_average_precision")),
        ("binary_softmax", True, 2, ("dev_f1", "dev_fbeta_threshold", "dev_accuracy_threshold", "dev_roc_auc")),
        ("multiclass", False, 3, ("dev_f1_macro", "dev_f1_weighted", "dev_mcc", "dev_recall_neutral")),
    ],
)
def test_each_head_trains_and_evaluates(compose_config, tracking_uri, tmp_path, head, binary, num_labels, dev_metrics):
    cfg = use_nli_sample(compose_config(*TINY, f"head={head}"), binary=binary, rows_per_split=24)
    summary = train(cfg)
    client = MlflowClient(tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    assert run.info.status == "FINISHED"
    for key in dev_metrics:
        assert [m.step for m in client.get_metric_history(run.info.run_id, mlflow_name(key))] == [1], key
    assert summary["best_epoch"] == 1.0
    classifier = PairClassifier.load(tmp_path / "run" / "model")
    assert classifier.model.num_labels == num_labels
    predicted = classifier.predict([("A man plays a guitar.", "A person makes music.")])
    assert predicted[0] in classifier.rule.label_names


def test_multiclass_head_refuses_two_classes(compose_config):
    cfg = use_nli_sample(compose_config(*TINY, "head=multiclass"), binary=True)
    with pytest.raises(
        ConfigurationError,
        match=r"head=multiclass needs 3 or more classes, but the data has 2; "
        r"use head=binary_sigmoid or head=binary_softmax",
    ):
        train(cfg)


@pytest.mark.parametrize("head", ["binary_sigmoid", "binary_softmax"])
def test_binary_heads_refuse_three_classes(compose_config, head):
    cfg = use_nli_sample(compose_config(*TINY, f"head={head}"))
    with pytest.raises(
        ConfigurationError,
        match=rf"head={head} needs exactly 2 classes, but the data has 3 \['contradiction', 'entailment', 'neutral'\]; "
        "if they are all real classes use head=multiclass",
    ):
        train(cfg)


def test_num_labels_per_head():
    assert BinarySigmoidHead().num_labels(2) == 1
    assert BinarySoftmaxHead().num_labels(2) == 2
    assert MulticlassHead().num_labels(5) == 5


def test_labels_that_look_like_spellings_of_one_are_named_not_sent_to_multiclass():
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "head=binary_sigmoid needs exactly 2 classes, but the data has 3 ['negative', 'positive', 'postive'], "
            "of which 'positive' / 'postive' look like spellings of one label: fix the labels in the file"
        ),
    ) as error:
        BinarySigmoidHead().check_classes(3, ["negative", "positive", "postive"])
    assert "multiclass" not in str(error.value)


def test_the_runner_gives_the_head_the_label_names(compose_config, tmp_path: Path):
    rows = ["q,a,y"] + [f"q{i},a{i},{['negative', 'positive', 'postive'][i % 3]}" for i in range(60)]
    (tmp_path / "pairs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cfg = compose_config(
        "experiment=smoke", "data=files", f"data.train={tmp_path / 'pairs.csv'}", "data.text_a=q", "data.text_b=a",
        "data.label=y", "data.max_train_rows=null", "data.dev_fraction=0.2", "data.test_fraction=0.2",
    )  # fmt: skip
    with pytest.raises(ConfigurationError, match=re.escape("'positive' / 'postive' look like spellings of one label")):
        train(cfg)
