"""The data splits of a run as MLflow dataset inputs: the fingerprint as digest, the row and class counts as profile.

MLflow shows them in the run's "Datasets used" box instead of as metrics that crowd out the training curves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from mlflow.entities import Dataset, DatasetInput, InputTag

CONTEXT_TAG = "mlflow.data.context"


def split_inputs(data_name: str, fingerprints: Mapping[str, str], summary: Mapping[str, float]) -> list[DatasetInput]:
    """One dataset input per split, named ``<data>-<split>``.

    Args:
        data_name: the data source's name (``PairSplits.name``).
        fingerprints: split → content fingerprint (:func:`experiments.data.splits.fingerprint`).
        summary: ``data_<split>_<figure>`` counts and shares (:func:`experiments.run.runner.data_summary`); each
            split's figures become its profile, e.g. ``{"rows": 400, "count_1": 21, "share_1": 0.05}``.
    """
    inputs = []
    for split, digest in fingerprints.items():
        prefix = f"data_{split}_"
        profile = {key.removeprefix(prefix): value for key, value in summary.items() if key.startswith(prefix)}
        dataset = Dataset(
            name=f"{data_name}-{split}",
            digest=digest,
            source_type="experiments",
            source=json.dumps({"data": data_name, "split": split}),
            profile=json.dumps(profile),
        )
        inputs.append(DatasetInput(dataset, tags=[InputTag(CONTEXT_TAG, split)]))
    return inputs


def split_rows(summary: Mapping[str, float], splits: list[str]) -> dict[str, int]:
    """``data_rows_<split>``: the rows each split holds, as params (the MLflow compare view lists params)."""
    return {f"data_rows_{split}": int(summary[f"data_{split}_rows"]) for split in splits}
