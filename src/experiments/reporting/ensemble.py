"""``experiments-ensemble``: average the scores of several trained runs and evaluate the ensemble.

The ensemble gets its own thresholds, tuned on dev from the averaged scores, and is tested with
them, as a single run is. It is logged as a new MLflow run tagged with its members.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf

from experiments.config.targets import check_targets
from experiments.data.splits import LABEL, PairSplits, column, query_groups, split_pairs
from experiments.errors import ConfigurationError
from experiments.evaluation import (
    THRESHOLD_METRICS,
    binary_metrics_at,
    multiclass_metrics,
    ranking_metrics,
    tuned_binary_metrics,
)
from experiments.models.decision import PairClassifier
from experiments.models.digest import folder_digest
from experiments.run.building import prepare_data
from experiments.tracking import MlflowTracker
from experiments.tracking.names import mlflow_metric_name

logger = logging.getLogger(__name__)

DEFAULT_URI = "sqlite:///mlflow.db"


def average_scores(classifiers: Sequence[PairClassifier], pairs: list[tuple[str, str]], batch_size: int) -> np.ndarray:
    """The mean of the members' scores (probabilities), pair by pair."""
    return np.mean([classifier.scores(pairs, batch_size) for classifier in classifiers], axis=0)


def ensemble_metrics(
    dev_scores: np.ndarray, test_scores: np.ndarray, data: PairSplits, binary: bool, beta: float, threshold_metric: str
) -> dict[str, float]:
    """Dev metrics with thresholds tuned on the averaged dev scores; test metrics at those thresholds.

    Splits with a ``group`` column (one query per pair) add MAP, MRR and nDCG@10, as a single run's do.
    """
    dev_labels, test_labels = np.asarray(column(data.dev, LABEL)), np.asarray(column(data.test, LABEL))
    if not binary:
        dev = multiclass_metrics(dev_scores, dev_labels, data.label_names)
        test = multiclass_metrics(test_scores, test_labels, data.label_names)
    else:
        dev = tuned_binary_metrics(dev_scores, dev_labels, beta, threshold_metric)
        thresholds = {metric: dev[f"{metric}_threshold"] for metric in THRESHOLD_METRICS}
        test = binary_metrics_at(test_scores, test_labels, thresholds, beta, threshold_metric)
        for metrics, split, scores, labels in (
            (dev, data.dev, dev_scores, dev_labels),
            (test, data.test, test_scores, test_labels),
        ):
            groups = query_groups(split)
            if groups is not None:
                metrics.update(ranking_metrics(scores, labels, groups))
    return {**{f"dev_{k}": v for k, v in dev.items()}, **{f"test_{k}": v for k, v in test.items()}}


def check_distinct_models(runs: Sequence[Run]) -> None:
    """Each run's ``model_dir`` is a folder of its own that still holds the model the run saved (tag ``model_digest``).

    Two runs that shared an ``output_dir`` name one folder, which holds the later model: averaging them would
    score one model twice.
    """
    folders: dict[Path, str] = {}
    digests: dict[str, str] = {}
    for run in runs:
        run_id, folder = run.info.run_id, Path(run.data.tags["model_dir"]).resolve()
        if folder in folders:
            raise ConfigurationError(
                f"runs {folders[folder]} and {run_id} name the same model folder {folder}, which holds one model: "
                "an ensemble needs runs with models of their own"
            )
        folders[folder] = run_id
        digest = folder_digest(folder)
        recorded = run.data.tags.get("model_digest")
        if recorded is not None and recorded != digest:
            raise ConfigurationError(
                f"run {run_id}: its model folder {folder} no longer holds the model the run saved "
                f"(model_digest {recorded}, the folder now {digest})"
            )
        if digest in digests:
            raise ConfigurationError(
                f"runs {digests[digest]} and {run_id} hold identical models (model folders with digest {digest}): "
                "an ensemble needs distinct models"
            )
        digests[digest] = run_id


def evaluate_ensemble(
    run_ids: Sequence[str], tracking_uri: str = DEFAULT_URI, batch_size: int = 64
) -> dict[str, float]:
    """Load the members' saved models, average their scores on dev and test, log and return the metrics."""
    if len(run_ids) < 2:
        raise ConfigurationError("an ensemble needs at least two run ids")
    client = MlflowClient(tracking_uri)
    runs = [client.get_run(run_id) for run_id in run_ids]
    for run in runs:
        if "model_dir" not in run.data.tags or not Path(run.data.tags["model_dir"]).is_dir():
            raise ConfigurationError(f"run {run.info.run_id} has no saved model (tag model_dir) on this machine")
    check_distinct_models(runs)
    for split in ("dev", "test"):
        prints = {run.data.tags.get(f"data_fingerprint_{split}") for run in runs}
        if len(prints) != 1:
            raise ConfigurationError(
                f"the runs were evaluated on different {split} data (fingerprints {sorted(prints)})"
            )
    with tempfile.TemporaryDirectory() as folder:
        config_path = client.download_artifacts(run_ids[0], "config/resolved.yaml", folder)
        cfg = OmegaConf.load(config_path)
    check_targets(cfg, f"config/resolved.yaml of run {run_ids[0]}")  # the logged config names no code of its own
    data = prepare_data(cfg)
    classifiers = [PairClassifier.load(run.data.tags["model_dir"]) for run in runs]
    if len({classifier.rule.head for classifier in classifiers}) != 1:
        raise ConfigurationError("the runs use different heads; average only runs with the same head")
    metrics = ensemble_metrics(
        average_scores(classifiers, split_pairs(data.dev), batch_size),
        average_scores(classifiers, split_pairs(data.test), batch_size),
        data,
        classifiers[0].head.binary,
        float(cfg.evaluation.beta),
        str(cfg.evaluation.threshold_metric),
    )
    experiment = client.get_experiment(runs[0].info.experiment_id).name
    tags = {"ensemble_of": ",".join(run_ids), "ensemble_size": str(len(run_ids))}
    with MlflowTracker(tracking_uri, experiment, run_name=f"ensemble-{len(run_ids)}", tags=tags) as tracker:
        tracker.log_metrics(metrics)
    return metrics


# The columns of the printed table, where the ensemble has them.
SUMMARY_METRICS = (
    "test_f1",
    "test_mcc",
    "test_average_precision",
    "test_map",
    "test_mrr",
    "test_accuracy",
    "test_f1_macro",
)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="experiments-ensemble", description=__doc__)
    parser.add_argument("run_ids", nargs="+", help="MLflow run ids of trained runs (same data and head)")
    parser.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_URI))
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    client = MlflowClient(args.tracking_uri)
    metrics = evaluate_ensemble(args.run_ids, args.tracking_uri, args.batch_size)
    keys = [key for key in SUMMARY_METRICS if key in metrics]
    print("| run | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for run_id in args.run_ids:
        member = client.get_run(run_id).data.metrics  # test/f1, or test_f1 in runs logged before the sections
        values = [member.get(mlflow_metric_name(key) or key, member.get(key, float("nan"))) for key in keys]
        print(f"| {run_id[:8]} | " + " | ".join(f"{value:.4f}" for value in values) + " |")
    print("| **ensemble** | " + " | ".join(f"{metrics[key]:.4f}" for key in keys) + " |")


if __name__ == "__main__":
    main()
