"""A run's test scores as a compact artifact, so that tests over test examples can be run after the fact.

``evaluation/test_scores.npz`` (NumPy's compressed archive, no pickled objects) holds what the run's test metrics
were computed from: the scores (positive-class probability, shape (n,), or class probabilities, (n, C)), the
labels, the query group of each pair for ranking data, the dev-chosen thresholds of the binary metrics, β and the
class names. :func:`experiments.reporting.example_metrics` recomputes the logged test metrics from it, row-weighted.
This module needs only NumPy.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TEST_SCORES_ARTIFACT = "evaluation/test_scores.npz"


@dataclass(frozen=True)
class TestScores:
    """What one run's test metrics are computed from.

    Args:
        scores: positive-class probabilities (n,) for binary heads, class probabilities (n, C) for multiclass.
        labels: class ids (n,).
        groups: the query id of each pair (ranking data), else None.
        thresholds: the dev-chosen threshold of each binary metric (``f1``, ``mcc``, ...); empty for multiclass.
        label_names: class names by id.
        beta: β of F-beta.
        threshold_metric: the metric whose threshold gives precision, recall and balanced accuracy.
    """

    __test__ = False  # not a pytest test class despite the name

    scores: np.ndarray
    labels: np.ndarray
    groups: np.ndarray | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    label_names: Sequence[str] = ()
    beta: float = 1.0
    threshold_metric: str = "f1"

    @property
    def binary(self) -> bool:
        return np.asarray(self.scores).ndim == 1

    def to_bytes(self) -> bytes:
        """The ``.npz`` archive (compressed; strings as fixed-width Unicode, so it loads without pickle)."""
        arrays: dict[str, np.ndarray] = {
            "scores": np.asarray(self.scores, dtype=np.float64),
            "labels": np.asarray(self.labels, dtype=np.int64),
            "threshold_names": np.array(list(self.thresholds), dtype=str),
            "threshold_values": np.array(list(self.thresholds.values()), dtype=np.float64),
            "label_names": np.array([str(name) for name in self.label_names], dtype=str),
            "beta": np.float64(self.beta),
            "threshold_metric": np.array(self.threshold_metric, dtype=str),
        }
        if self.groups is not None:
            arrays["groups"] = np.array([str(group) for group in self.groups], dtype=str)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(self.to_bytes())
        return path

    @classmethod
    def load(cls, path: str | Path) -> TestScores:
        with np.load(path, allow_pickle=False) as archive:
            names = [str(name) for name in archive["threshold_names"]]
            return cls(
                scores=archive["scores"],
                labels=archive["labels"],
                groups=archive["groups"] if "groups" in archive.files else None,
                thresholds=dict(zip(names, map(float, archive["threshold_values"]), strict=True)),
                label_names=[str(name) for name in archive["label_names"]],
                beta=float(archive["beta"]),
                threshold_metric=str(archive["threshold_metric"]),
            )
