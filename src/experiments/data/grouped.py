"""Grouped data: one row per anchor with its positives and a variable-length list of negatives.

The shape is ``{'anchor': str, 'positive': str | list[str], 'negative': list[str]}``; a
``negatives`` mode (flatten, fixed_k, sample_k, listwise) turns it into what the loss reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.data.splits import GROUP, LABEL, TEXT_A, TEXT_B, column
from experiments.errors import ConfigurationError
from experiments.inputs import checked_by, require_file

if TYPE_CHECKING:  # imported where used: the run's early checks import this module without datasets
    from datasets import Dataset

logger = logging.getLogger(__name__)

ANCHOR = "anchor"
POSITIVE = "positive"
NEGATIVE = "negative"
GROUPED_COLUMNS = (ANCHOR, POSITIVE, NEGATIVE, GROUP)
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class GroupedSplits:
    """Train / dev / test splits of grouped data, normalised and checked.

    Each split has the columns ``anchor`` (str), ``positive`` (list[str], possibly empty),
    ``negative`` (list[str], possibly empty) and ``group`` (a unique id per row). Labels are
    binary: ``label_names`` is ``["0", "1"]`` (1 = positive). ``rows_read`` counts the rows
    found in each source before any deliberate filtering (for WikiQA: candidate pairs).
    """

    name: str
    train: Dataset
    dev: Dataset
    test: Dataset
    rows_read: dict[str, int] = field(default_factory=dict)
    label_names: list[str] = field(default_factory=lambda: ["0", "1"])

    def splits(self) -> dict[str, Dataset]:
        return {"train": self.train, "dev": self.dev, "test": self.test}


def _texts(value: Any, where: str, column: str, allow_single: bool) -> list[str]:
    """A list of non-empty strings from ``value``, or a ConfigurationError naming the row."""
    if allow_single and isinstance(value, str):
        value = [value]
    if value is None:
        value = []
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple):
        expected = "a string or a list of strings" if allow_single else "a list of strings"
        raise ConfigurationError(f"{where}, column {column!r}: expected {expected}, got {type(value).__name__}")
    for position, text in enumerate(value):
        if not isinstance(text, str):
            raise ConfigurationError(
                f"{where}, column {column!r}: item {position} is not a string: {text!r} ({type(text).__name__})"
            )
        if not text.strip():
            raise ConfigurationError(f"{where}, column {column!r}: item {position} is an empty string")
    return list(value)


def normalise_grouped(
    dataset: Dataset,
    split: str,
    source: str,
    anchor_column: str = ANCHOR,
    positive_column: str = POSITIVE,
    negative_column: str = NEGATIVE,
    group_column: str | None = None,
) -> Dataset:
    """Rename and check one grouped split: every row has an anchor and at least one candidate.

    Raises:
        ConfigurationError: naming the split, row and column of the first bad value.
    """
    columns = {ANCHOR: anchor_column, POSITIVE: positive_column, NEGATIVE: negative_column}
    if group_column is not None:
        columns[GROUP] = group_column
    missing = [name for name in columns.values() if name not in dataset.column_names]
    if missing:
        raise ConfigurationError(
            f"{source}: the {split} split lacks column(s) {missing}; it has {dataset.column_names} "
            "(set the data option's *_column keys to the names used in the file)"
        )
    if len(dataset) == 0:
        raise ConfigurationError(f"{source}: the {split} split has no rows")
    anchors, positives, negatives, groups = [], [], [], []
    group_values = column(dataset, group_column) if group_column else [f"{split}-{row}" for row in range(len(dataset))]
    texts = (column(dataset, name) for name in (anchor_column, positive_column, negative_column))
    for row, (anchor, positive, negative, group) in enumerate(zip(*texts, group_values, strict=True)):
        where = f"{source}: {split} row {row}"
        if not isinstance(anchor, str) or not anchor.strip():
            raise ConfigurationError(f"{where}, column {anchor_column!r}: expected a non-empty string, got {anchor!r}")
        positive_texts = _texts(positive, where, positive_column, allow_single=True)
        negative_texts = _texts(negative, where, negative_column, allow_single=False)
        if not positive_texts and not negative_texts:
            raise ConfigurationError(
                f"{where}: both {positive_column!r} and {negative_column!r} are empty; an anchor needs a candidate"
            )
        anchors.append(anchor)
        positives.append(positive_texts)
        negatives.append(negative_texts)
        groups.append(str(group))
    if len(set(groups)) != len(groups):
        raise ConfigurationError(f"{source}: the {split} split has repeated values in column {group_column!r}")
    from datasets import Dataset

    return Dataset.from_dict({ANCHOR: anchors, POSITIVE: positives, NEGATIVE: negatives, GROUP: groups})


def subset_groups(dataset: Dataset, max_groups: int | None, seed: int, max_pairs: int | None = None) -> Dataset:
    """A seeded random subset of the rows (anchors), kept in their order; all rows when both limits are None.

    Anchors are taken in a seeded random order while there are at most ``max_groups`` of them and
    at most ``max_pairs`` (anchor, candidate) pairs in all; an anchor is never split.
    """
    for key, value in (("max_train_groups", max_groups), ("max_train_rows", max_pairs)):
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise ConfigurationError(f"data.{key} must be a positive integer or null, got {value!r}")
    if max_groups is None and max_pairs is None:
        return dataset
    sizes = [len(p) + len(n) for p, n in zip(column(dataset, POSITIVE), column(dataset, NEGATIVE), strict=True)]
    chosen, pairs = [], 0
    for row in np.random.default_rng(seed).permutation(len(dataset)):
        if max_groups is not None and len(chosen) == max_groups:
            break
        if max_pairs is not None and pairs + sizes[row] > max_pairs:
            continue
        chosen.append(row)
        pairs += sizes[row]
    if not chosen:
        raise ConfigurationError(f"data.max_train_rows={max_pairs} is smaller than any training anchor's candidates")
    return dataset.select(np.sort(chosen))


def group_pairs(pairs: Dataset) -> Dataset:
    """Labelled pairs with a ``group`` column, grouped back into anchors (first-seen order kept).

    The anchor is the ``sentence_a`` of the group's first pair; label 1 pairs are positives.
    """
    order: dict[str, int] = {}
    anchors: list[str] = []
    positives: list[list[str]] = []
    negatives: list[list[str]] = []
    rows = zip(*(column(pairs, name) for name in (TEXT_A, TEXT_B, LABEL, GROUP)), strict=True)
    for anchor, text, label, group in rows:
        if group not in order:
            order[group] = len(anchors)
            anchors.append(anchor)
            positives.append([])
            negatives.append([])
        (positives if int(label) == 1 else negatives)[order[group]].append(text)
    from datasets import Dataset

    return Dataset.from_dict({ANCHOR: anchors, POSITIVE: positives, NEGATIVE: negatives, GROUP: list(order)})


def flatten_groups(grouped: Dataset) -> Dataset:
    """Every anchor exploded into labelled pairs: (anchor, positive, 1) then (anchor, negative, 0)."""
    columns: dict[str, list[Any]] = {TEXT_A: [], TEXT_B: [], LABEL: [], GROUP: []}
    for anchor, positives, negatives, group in zip(
        *(column(grouped, name) for name in (ANCHOR, POSITIVE, NEGATIVE, GROUP)), strict=True
    ):
        for label, texts in ((1, positives), (0, negatives)):
            for text in texts:
                columns[TEXT_A].append(anchor)
                columns[TEXT_B].append(text)
                columns[LABEL].append(label)
                columns[GROUP].append(group)
    from datasets import Dataset

    return Dataset.from_dict(columns)


def _read(path: str, split: str) -> Dataset:
    from datasets import Dataset

    file = Path(path).expanduser()
    require_file(f"data.{split}", file)
    suffix = file.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return Dataset.from_json(str(file))
    if suffix in (".parquet", ".pq"):
        return Dataset.from_parquet(str(file))
    raise ConfigurationError(f"data.{split}: {file} is neither JSON lines (.jsonl, .json) nor Parquet (.parquet)")


def grouped_splits(
    datasets: dict[str, Dataset],
    name: str,
    anchor_column: str = ANCHOR,
    positive_column: str = POSITIVE,
    negative_column: str = NEGATIVE,
    group_column: str | None = None,
    max_train_groups: int | None = None,
    seed: int = 0,
    sources: dict[str, str] | None = None,
    max_train_rows: int | None = None,
) -> GroupedSplits:
    """:class:`GroupedSplits` from in-memory ``datasets.Dataset`` objects keyed train / dev / test.

    ``sources`` names each split's origin (e.g. its file) in error messages; ``name`` by default.
    """
    missing = [split for split in SPLITS if split not in datasets]
    if missing:
        raise ConfigurationError(f"{name}: split(s) {missing} are missing; grouped data needs train, dev and test")
    columns = {
        "anchor_column": anchor_column,
        "positive_column": positive_column,
        "negative_column": negative_column,
        "group_column": group_column,
    }
    sources = sources or {}
    normalised = {
        split: normalise_grouped(datasets[split], split, sources.get(split, name), **columns) for split in SPLITS
    }
    rows_read = {split: len(datasets[split]) for split in SPLITS}
    train = subset_groups(normalised["train"], max_train_groups, seed, max_train_rows)
    logger.info("%s: grouped rows read %s, training on %d anchors", name, rows_read, len(train))
    return GroupedSplits(name, train, normalised["dev"], normalised["test"], rows_read=rows_read)


def check_grouped(train: str, dev: str, test: str, **_: Any) -> None:
    """The three files :func:`load_grouped` would read exist (before anything is imported or read)."""
    for split, path in (("train", train), ("dev", dev), ("test", test)):
        require_file(f"data.{split}", Path(path).expanduser())


@checked_by(check_grouped)
def load_grouped(
    train: str,
    dev: str,
    test: str,
    anchor_column: str = ANCHOR,
    positive_column: str = POSITIVE,
    negative_column: str = NEGATIVE,
    group_column: str | None = None,
    max_train_groups: int | None = None,
    max_train_rows: int | None = None,
    seed: int = 0,
) -> GroupedSplits:
    """Grouped data from JSON lines or Parquet files, one file per split.

    Args:
        train: path of the training file (``.jsonl`` / ``.json`` / ``.parquet``); dev and test likewise.
        anchor_column: the column holding the anchor (query) text.
        positive_column: the column holding a positive text or a list of them.
        negative_column: the column holding the list of negative texts.
        group_column: a column with a unique id per row; None numbers the rows.
        max_train_groups: keep at most this many training anchors (seeded), for quick runs.
        max_train_rows: and at most this many training (anchor, candidate) pairs, whole anchors only.
        seed: seed of that subset.
    """
    paths = {"train": train, "dev": dev, "test": test}
    datasets = {split: _read(path, split) for split, path in paths.items()}
    return grouped_splits(
        datasets,
        Path(train).expanduser().stem,
        anchor_column,
        positive_column,
        negative_column,
        group_column,
        max_train_groups,
        seed,
        sources=paths,
        max_train_rows=max_train_rows,
    )
