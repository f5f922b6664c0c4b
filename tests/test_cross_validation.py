"""k-fold cross-validation: stratified folds, one child run per fold, mean ± std on the parent run."""

from __future__ import annotations

import re

import numpy as np
import pytest
from datasets import Dataset
from mlflow.tracking import MlflowClient

from experiments.data.splits import PairSplits
from experiments.errors import ConfigurationError
from experiments.run.cross_validation import aggregate, fold_splits
from experiments.run.runner import train
from tests.conftest import dataset_profile


def test_folds_partition_the_training_rows_stratified():
    labels = [0] * 30 + [1] * 6
    train_split = Dataset.from_dict(
        {"sentence_a": [f"q{i}" for i in range(36)], "sentence_b": ["a"] * 36, "label": labels}
    )
    data = PairSplits("toy", train_split, train_split.select([0]), train_split.select([1]), ["0", "1"])
    folds = fold_splits(data, folds=3, seed=0)
    dev_rows = sorted(row for fold in folds for row in fold.dev["sentence_a"])
    assert dev_rows == sorted(train_split["sentence_a"])
    for fold in folds:
        assert sorted(fold.dev["label"]) == [0] * 10 + [1] * 2
        assert set(fold.train["sentence_a"]).isdisjoint(fold.dev["sentence_a"])
        assert fold.test is data.test
    assert [f.dev["sentence_a"] for f in fold_splits(data, 3, 0)] == [f.dev["sentence_a"] for f in folds]


@pytest.mark.parametrize(("positives", "advice"), [(4, "set cv.folds to at most 4"), (1, "cross-validation needs 2")])
def test_folds_that_cannot_hold_every_class_are_refused(positives: int, advice: str):
    labels = [0] * 30 + [1] * positives
    rows = len(labels)
    train_split = Dataset.from_dict(
        {"sentence_a": [f"q{i}" for i in range(rows)], "sentence_b": ["a"] * rows, "label": labels}
    )
    data = PairSplits("toy", train_split, train_split, train_split, ["no", "yes"])
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"cv.folds=5 needs at least 5 training rows of every class, so that each fold's dev part holds every "
            f"class, but class 'yes' has {positives}; {advice}"
        ),
    ):
        fold_splits(data, folds=5, seed=0)
    if positives >= 2:
        assert len(fold_splits(data, folds=positives, seed=0)) == positives


def test_aggregate_gives_mean_and_sample_std():
    summary = aggregate([{"test_f1": 0.2, "best_epoch": 1.0}, {"test_f1": 0.4, "best_epoch": 2.0}])
    assert summary["test_f1"] == pytest.approx(0.3)
    assert summary["cv_std_test_f1"] == pytest.approx(np.std([0.2, 0.4], ddof=1))
    assert summary["cv_folds"] == 2


def test_each_fold_is_a_child_run_and_the_parent_holds_mean_and_std(
    compose_config, tracking_uri: str, smoke: tuple[str, ...]
):
    summary = train(compose_config(*smoke, "trainer.epochs=1", "cv.folds=2"))
    client = MlflowClient(tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    assert len(runs) == 3 and all(run.info.status == "FINISHED" for run in runs)
    (parent,) = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    children = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(run.data.tags["cv_fold"] for run in children) == ["1", "2"]
    assert sorted(dataset_profile(run, "dev")["rows"] for run in children) == [100, 100]
    folds = [run.data.metrics["test/f1"] for run in children]
    assert parent.data.metrics["test/f1"] == pytest.approx(np.mean(folds))
    assert parent.data.metrics["test/f1_cv_std"] == pytest.approx(np.std(folds, ddof=1))
    assert summary["cv_folds"] == 2 and parent.data.metrics["cv/folds"] == 2
    assert "best_dev_f1" in summary and not any(name.startswith("best") for name in parent.data.metrics)
