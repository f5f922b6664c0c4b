"""What the runner logs about the data: counts, shares, filtered rows, under MLflow-safe keys."""

from __future__ import annotations

import numpy as np
import pytest
from datasets import Dataset
from mlflow.utils.validation import _validate_metric_name

from experiments.data import PairSplits
from experiments.data.splits import MAX_CLASS_KEY, class_keys, labels_record, metric_safe
from experiments.evaluation.metrics import multiclass_metrics
from experiments.tracking.datasets import data_summary
from experiments.tracking.names import mlflow_metrics


def split(labels: list[int]) -> Dataset:
    return Dataset.from_dict({"sentence_a": ["a"] * len(labels), "sentence_b": ["b"] * len(labels), "label": labels})


def test_label_names_become_valid_metric_keys():
    assert metric_safe("not sure?") == "not sure_"
    assert metric_safe("très bien/ok-1.0") == "très bien_ok-1.0"


def test_summary_counts_shares_and_filtered_rows():
    data = PairSplits(
        name="toy", train=split([0, 1, 1, 1]), dev=split([0, 1]), test=split([1]),
        label_names=["no?", "yes"], rows_read={"train": 6}, rows_filtered={"train": 2},
    )  # fmt: skip
    summary = data_summary(data)
    assert summary["data_train_rows"] == 4 and summary["data_train_rows_read"] == 6
    assert summary["data_train_rows_filtered"] == 2 and "data_dev_rows_filtered" not in summary
    assert summary["data_train_count_no_"] == 1 and summary["data_train_share_yes"] == pytest.approx(0.75)
    assert summary["data_test_count_no_"] == 0 and summary["data_test_share_yes"] == 1.0


LONG = "a label longer than MLflow's limit on a metric name, " * 6  # 312 characters


def test_class_keys_are_safe_and_unique_and_leave_accepted_labels_as_they_are():
    labels = ["it's", "n/a (unsure)", "yes!", "yes?", "yes_", "ok", LONG, LONG + "?"]
    keys = class_keys(labels)
    assert keys[:6] == ["it_s", "n_a _unsure_", "yes__2", "yes__3", "yes_", "ok"]
    assert keys[6] == metric_safe(LONG)[:MAX_CLASS_KEY] and keys[7] == metric_safe(LONG)[: MAX_CLASS_KEY - 2] + "_7"
    assert len(set(keys)) == len(keys)
    assert labels_record(labels)["metric_keys"] == dict(zip(labels, keys, strict=True))
    assert labels_record(labels)["label_ids"]["yes?"] == 3


def test_per_class_metrics_of_any_label_text_are_names_mlflow_accepts():
    labels = ["it's", "n/a (unsure)", "yes!", "yes?", "../x", "a:b", LONG]
    probabilities = np.eye(len(labels))[[0, 1, 2, 3, 4, 5, 6, 6]]
    metrics = {
        f"dev_{key}": value for key, value in multiclass_metrics(probabilities, np.arange(8) % 7, labels).items()
    }
    names = mlflow_metrics(metrics)
    assert len(names) == len(metrics) == 7 + 3 * len(labels)
    for name in names:
        _validate_metric_name(name)
    assert names["dev/precision_it_s"] == 1.0 and names["dev/recall_yes__3"] == 1.0 and "dev/f1_yes_" in names
