"""The data splits of a run as MLflow dataset inputs: the fingerprint as digest, the row and class counts as profile.

MLflow shows them in the run's "Datasets used" box instead of as metrics that crowd out the training curves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlflow.entities import Dataset, DatasetInput, InputTag

from experiments.data.splits import LABEL, PairSplits, class_counts, class_keys, fingerprint, labels_record

if TYPE_CHECKING:
    from experiments.tracking.mlflow_tracker import MlflowTracker

CONTEXT_TAG = "mlflow.data.context"


def split_inputs(data_name: str, fingerprints: Mapping[str, str], summary: Mapping[str, float]) -> list[DatasetInput]:
    """One dataset input per split, named ``<data>-<split>``.

    Args:
        data_name: the data source's name (``PairSplits.name``).
        fingerprints: split → content fingerprint (:func:`experiments.data.splits.fingerprint`).
        summary: ``data_<split>_<figure>`` counts and shares (:func:`data_summary`); each
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


def data_summary(data: PairSplits) -> dict[str, float]:
    """Rows read and used, and the class distribution, of every split."""
    summary: dict[str, float] = {}
    for split, dataset in data.splits().items():
        counts = class_counts(dataset[LABEL], data.num_classes)
        summary[f"data_{split}_rows"] = float(len(dataset))
        if split in data.rows_read:
            summary[f"data_{split}_rows_read"] = float(data.rows_read[split])
        if split in data.rows_filtered:
            summary[f"data_{split}_rows_filtered"] = float(data.rows_filtered[split])
        for name, count in zip(class_keys(data.label_names), counts, strict=True):
            summary[f"data_{split}_count_{name}"] = float(count)
            summary[f"data_{split}_share_{name}"] = count / max(len(dataset), 1)
    return summary


def log_data(tracker: MlflowTracker, data: PairSplits) -> dict[str, float]:
    """Log every split as a dataset input with its fingerprint (also a tag) and rows (also a param), and the
    label names and ids as ``data/labels.json``; return the :func:`data_summary`."""
    summary = data_summary(data)
    fingerprints = {split: fingerprint(dataset) for split, dataset in data.splits().items()}
    tracker.log_inputs(split_inputs(data.name, fingerprints, summary))
    tracker.log_params(split_rows(summary, list(fingerprints)))
    tracker.set_tags({f"data_fingerprint_{split}": digest for split, digest in fingerprints.items()})
    tracker.log_dict(labels_record(data.label_names), "data/labels.json")
    return summary
