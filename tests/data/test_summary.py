"""What the runner logs about the data: counts, shares, filtered rows, under MLflow-safe keys."""

from __future__ import annotations

import pytest
from datasets import Dataset

from experiments.data import PairSplits
from experiments.data.splits import metric_safe
from experiments.run.runner import data_summary


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
