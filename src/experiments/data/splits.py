"""The container every data source returns, and the checks all sources share."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.data.progress import RowProgress
from experiments.errors import ConfigurationError

if TYPE_CHECKING:  # imported where used: the run's early checks import this module without datasets
    from datasets import Dataset

logger = logging.getLogger(__name__)

TEXT_A = "sentence_a"
TEXT_B = "sentence_b"
LABEL = "label"
# Optional: the query (e.g. WikiQA question) each pair belongs to, for MAP / MRR / nDCG.
GROUP = "group"
PAIR_COLUMNS = (TEXT_A, TEXT_B, LABEL)
DEV, TEST = "dev", "test"


@dataclass(frozen=True)
class PairSplits:
    """Train / dev / test splits of labelled text pairs.

    Each split has the columns ``sentence_a``, ``sentence_b`` and ``label`` (an int id into
    ``label_names``); sources may add more (e.g. ``group`` for the query a pair belongs to).
    ``rows_read`` counts the rows found in each source file before any deliberate filtering;
    ``rows_filtered`` counts the rows a deliberate filter (e.g. ``drop_duplicates``) removed from each.
    """

    name: str
    train: Dataset
    dev: Dataset
    test: Dataset
    label_names: list[str]
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_filtered: dict[str, int] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def splits(self) -> dict[str, Dataset]:
        return {"train": self.train, "dev": self.dev, "test": self.test}


def values(column: Sequence[Any] | np.ndarray) -> list[Any] | np.ndarray:
    """All values of a column, converted in one batch; a list or an array as it is.

    ``dataset[name]`` is a lazy ``datasets`` ``Column`` (datasets 4 and later) whose iteration, ``np.asarray`` and
    ``zip`` format one row at a time: about 13 times slower than slicing it whole, minutes on a million rows.
    """
    return column if isinstance(column, list | np.ndarray) else column[:]  # type: ignore[return-value]


def column(dataset: Dataset, name: str) -> list[Any]:
    """The values of column ``name`` of ``dataset`` as a list (see :func:`values`)."""
    return dataset[name][:]


def class_counts(labels: Sequence[int] | np.ndarray, num_classes: int) -> list[int]:
    """Rows per class id, zeros included (ids outside ``0..num_classes - 1`` are not counted)."""
    counts = Counter(values(labels))
    return [counts.get(class_id, 0) for class_id in range(num_classes)]


def metric_safe(name: str) -> str:
    """``name`` with characters MLflow refuses in metric keys (and ``/``, a path separator there) replaced by ``_``."""
    return re.sub(r"[^\w\-. ]", "_", name)


MAX_CLASS_KEY = 100
"""The longest class key: MLflow refuses metric names above 250 characters (``data/train_share_<key>``)."""


def class_keys(label_names: Sequence[str]) -> list[str]:
    """The key of each class in metric names (``precision_<key>``), in class-id order: safe for MLflow and unique.

    A label MLflow accepts (:func:`metric_safe` leaves it as it is) of at most :data:`MAX_CLASS_KEY` characters is
    its own key. Any other becomes :func:`metric_safe` of it cut to that length, followed by ``_<class id>`` when
    another class has that key already (``yes?`` and ``yes!`` -> ``yes_`` and ``yes__3``). The runner logs the
    mapping with the labels (:func:`labels_record`).
    """
    keys: list[str | None] = [
        name if metric_safe(name) == name and len(name) <= MAX_CLASS_KEY else None for name in label_names
    ]
    taken = {key for key in keys if key is not None}
    for class_id, name in enumerate(label_names):
        if keys[class_id] is not None:
            continue
        key, suffix = metric_safe(name)[:MAX_CLASS_KEY], f"_{class_id}"
        while key in taken:
            key = metric_safe(name)[: MAX_CLASS_KEY - len(suffix)] + suffix
            suffix = f"_{suffix}"
        keys[class_id] = key
        taken.add(key)
    return keys  # type: ignore[return-value]


def labels_record(label_names: Sequence[str]) -> dict[str, object]:
    """What ``data/labels.json`` holds: the label names in class-id order, each label's id, and each label's key
    in metric names (:func:`class_keys`)."""
    return {
        "label_names": list(label_names),
        "label_ids": {name: class_id for class_id, name in enumerate(label_names)},
        "metric_keys": dict(zip(label_names, class_keys(label_names), strict=True)),
    }


def fingerprint(dataset: Dataset, columns: tuple[str, ...] = PAIR_COLUMNS) -> str:
    """A content hash of the given columns, row order included (sha256, first 16 hex digits)."""
    digest = hashlib.sha256()
    progress = RowProgress(f"fingerprinting {len(dataset):,} rows", logger)
    for row in zip(*(column(dataset, name) for name in columns), strict=True):
        digest.update(repr(row).encode("utf-8"))
        digest.update(b"\n")
        progress.step()
    progress.finish()
    return digest.hexdigest()[:16]


def stratified_subset(
    dataset: Dataset,
    max_rows: int | None,
    seed: int,
    split: str = "train",
    label_names: Sequence[str] | None = None,
) -> Dataset:
    """At most ``max_rows`` rows, drawn stratified by label with ``seed``; all rows when ``max_rows`` is None.

    ``max_rows`` must keep every class whatever the seed: at least ``ceil(rows / rows of the rarest class)``.
    """
    if max_rows is None or max_rows >= len(dataset):
        return dataset
    if max_rows <= 0:
        raise ConfigurationError(f"data.max_{split}_rows must be a positive integer or null, got {max_rows}")
    labels = np.asarray(column(dataset, LABEL))
    classes, counts = np.unique(labels, return_counts=True)
    rarest = int(np.argmin(counts))
    minimum = max(math.ceil(len(labels) / int(counts[rarest])), len(classes))
    if max_rows < minimum:
        name = label_names[int(classes[rarest])] if label_names is not None else str(classes[rarest])
        raise ConfigurationError(
            f"data.max_{split}_rows={max_rows} is too small to keep every class in the stratified {split} subset: "
            f"class {name!r} has {counts[rarest]} of {len(labels)} {split} rows, so at least {minimum} rows are "
            f"needed; set data.max_{split}_rows={minimum} or more (null keeps all rows)"
        )
    from sklearn.model_selection import train_test_split

    indices, _ = train_test_split(np.arange(len(dataset)), train_size=max_rows, stratify=labels, random_state=seed)
    return dataset.select(np.sort(indices))


def check_split_classes(data: PairSplits, sources: dict[str, str] | None = None) -> None:
    """Dev must hold at least two classes (selection and thresholds mean nothing otherwise); a test split
    with one class, or a dev or test split lacking a class, is logged as a warning (some metrics are NaN).

    Args:
        data: the splits.
        sources: the file each split was read from (or carved from), for the message.
    """
    sources = sources or {}
    for split, dataset in ((DEV, data.dev), (TEST, data.test)):
        counts = class_counts(column(dataset, LABEL), data.num_classes)
        present = {name: count for name, count in zip(data.label_names, counts, strict=True) if count}
        absent = [name for name, count in zip(data.label_names, counts, strict=True) if not count]
        origin = f" ({sources[split]})" if split in sources else ""
        if len(present) < 2 and split == DEV:
            raise ConfigurationError(
                f"{data.name}: the dev split{origin} holds only class {next(iter(present))!r} ({len(dataset)} rows), "
                f"none of {absent}: choosing the best epoch and the decision threshold needs every class on dev; "
                "give a dev file with every class (data.dev) or carve dev from train (data.dev=null)"
            )
        if absent:
            logger.warning(
                "%s: the %s split%s has no row of class(es) %s (counts %s): %s",
                data.name, split, origin, absent, present,
                "average precision and ROC AUC are undefined (NaN) there" if len(present) < 2
                else "per-class metrics of those classes are undefined",
            )  # fmt: skip


def check_pair_split(dataset: Dataset, split: str, source: str, num_classes: int) -> None:
    """Fail early on an empty split, an empty text or a label id out of range, naming the row."""
    if len(dataset) == 0:
        raise ConfigurationError(f"{source}: the {split} split has no rows")
    for name in (TEXT_A, TEXT_B):
        for row, text in enumerate(column(dataset, name)):
            if not isinstance(text, str) or not text.strip():
                raise ConfigurationError(
                    f"{source}: {split} row {row}, column {name!r}: expected a non-empty string, got {text!r}"
                )
    labels = np.asarray(column(dataset, LABEL))
    outside = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if outside.size:
        row = int(outside[0])
        raise ConfigurationError(
            f"{source}: {split} row {row}, column {LABEL!r}: label id {labels[row]} is outside 0..{num_classes - 1}"
        )


def split_pairs(dataset: Dataset) -> list[tuple[str, str]]:
    """The (text_a, text_b) pairs of a split, in row order."""
    return list(zip(column(dataset, TEXT_A), column(dataset, TEXT_B), strict=True))


def query_groups(split: Dataset) -> list[str] | None:
    """The query of each pair (the ``group`` column), for the ranking metrics; None when the split has none."""
    return column(split, GROUP) if GROUP in split.column_names else None
