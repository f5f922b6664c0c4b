"""Rows read = rows used per split, and the deliberate subset of the training split is counted."""

from __future__ import annotations

from experiments.data import load_wikiqa
from experiments.tracking.datasets import data_summary


def test_wikiqa_rows_read_and_used_are_logged_per_split():
    summary = data_summary(load_wikiqa(max_train_rows=200, seed=0))
    assert {key: summary[key] for key in summary if key.endswith(("_rows", "_rows_read"))} == {
        "data_train_rows": 200,
        "data_train_rows_read": 20360,
        "data_dev_rows": 2733,
        "data_dev_rows_read": 2733,
        "data_test_rows": 6165,
        "data_test_rows_read": 6165,
    }
    for split in ("train", "dev", "test"):
        assert summary[f"data_{split}_count_0"] + summary[f"data_{split}_count_1"] == summary[f"data_{split}_rows"]
    assert summary["data_train_share_1"] == summary["data_train_count_1"] / 200
