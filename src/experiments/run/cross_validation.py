"""k-fold cross-validation: K models on stratified folds of the training split, each a child MLflow run."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from omegaconf import DictConfig, OmegaConf, open_dict
from sklearn.model_selection import StratifiedKFold

from experiments.data.splits import LABEL, PairSplits, class_counts, column
from experiments.errors import ConfigurationError
from experiments.tracking import MlflowTracker
from experiments.tracking.credentials import redact_config

FoldRunner = Callable[..., dict[str, float]]


def fold_splits(data: PairSplits, folds: int, seed: int) -> list[PairSplits]:
    """``folds`` stratified, seeded folds of the training split: each fold is the dev split once; test is kept.

    Every class needs at least ``folds`` training rows, else some fold's dev part lacks it (refused).
    """
    labels = np.asarray(column(data.train, LABEL))
    counts = class_counts(labels, data.num_classes)
    rarest = int(np.argmin(counts))
    if counts[rarest] < folds:
        name, count = data.label_names[rarest], counts[rarest]
        advice = f"set cv.folds to at most {count}" if count >= 2 else "cross-validation needs 2 or more of each"
        raise ConfigurationError(
            f"cv.folds={folds} needs at least {folds} training rows of every class, so that each fold's dev part "
            f"holds every class, but class {name!r} has {count}; {advice}"
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [
        PairSplits(
            f"{data.name}-fold{k}",
            data.train.select(train_rows),
            data.train.select(dev_rows),
            data.test,
            data.label_names,
            data.rows_read,
        )
        for k, (train_rows, dev_rows) in enumerate(splitter.split(np.zeros(len(labels)), labels), start=1)
    ]


def aggregate(summaries: list[dict[str, float]]) -> dict[str, float]:
    """Mean of every summary metric over the folds (under its own name) and its std (``cv_std_<name>``)."""
    keys = [key for key in summaries[0] if all(key in summary for summary in summaries)]
    means = {key: float(np.mean([summary[key] for summary in summaries])) for key in keys}
    stds = {f"cv_std_{key}": float(np.std([summary[key] for summary in summaries], ddof=1)) for key in keys}
    return {**means, **stds, "cv_folds": float(len(summaries))}


def cross_validate(cfg: DictConfig, parent: MlflowTracker, data: PairSplits, run_fold: FoldRunner) -> dict[str, float]:
    """Train one model per fold (``run_fold(cfg, tracker, data=fold)``) and log mean ± std to the parent run."""
    summaries = []
    for k, fold in enumerate(fold_splits(data, int(cfg.cv.folds), int(cfg.seed)), start=1):
        fold_cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
        with open_dict(fold_cfg):
            fold_cfg.output_dir = f"{cfg.output_dir}/fold-{k}"
        tags = {**parent.tags, "mlflow.parentRunId": str(parent.run_id), "cv_fold": str(k)}
        child = MlflowTracker(
            parent.tracking_uri, parent.experiment_name, f"{parent.run_name}-fold{k}", tags, None, parent.health_timeout
        )
        with child:
            child.log_params(redact_config(OmegaConf.to_container(fold_cfg)))
            summaries.append(run_fold(fold_cfg, child, data=fold))
    summary = aggregate(summaries)
    parent.log_metrics(summary)
    return summary
