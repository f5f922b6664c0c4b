"""k-fold cross-validation: stratified folds of the training split, and the mean ± std of the folds' summaries.

The runner trains one model per fold (:func:`experiments.run.runner.cross_validate`), each a child MLflow run.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold

from experiments.data.splits import LABEL, PairSplits, class_counts, column
from experiments.errors import ConfigurationError


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
