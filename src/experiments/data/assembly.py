"""From raw tables to :class:`PairSplits`: column mapping, label mapping, carving, filtering, checks.

Every source that reads tables (local files, the hub, the NLI presets) goes through :func:`build_pair_splits`,
so they share one set of checks and one set of error messages.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.data.labels import (
    BOOLEAN_NUMBERS,
    LabelMapping,
    boolean_numbers,
    canonical_label,
    canonical_labels,
    check_case_variants,
    describe_merges,
    label_name,
    merged_spellings,
)
from experiments.data.progress import announced
from experiments.data.splits import (
    GROUP,
    LABEL,
    TEXT_A,
    TEXT_B,
    PairSplits,
    check_pair_split,
    check_split_classes,
    stratified_subset,
)
from experiments.data.tables import RawTable
from experiments.errors import ConfigurationError

if TYPE_CHECKING:  # imported where used: the run's early checks import this module without datasets
    from datasets import Dataset

logger = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class PairColumns:
    """Which source columns hold the first text, the second text, the label and (optionally) the group."""

    text_a: str
    text_b: str
    label: str
    group: str | None = None


@dataclass
class _Rows:
    """One split's mapped rows: texts, label names (then ids) and groups, in source order."""

    source: str
    text_a: list[str]
    text_b: list[str]
    labels: list[Any]
    groups: list[str] | None

    def select(self, indices: Sequence[int]) -> _Rows:
        def pick(values: list[Any]) -> list[Any]:
            return [values[i] for i in indices]

        groups = pick(self.groups) if self.groups is not None else None
        return _Rows(self.source, pick(self.text_a), pick(self.text_b), pick(self.labels), groups)

    def dataset(self) -> Dataset:
        from datasets import Dataset

        columns: dict[str, list[Any]] = {TEXT_A: self.text_a, TEXT_B: self.text_b, LABEL: self.labels}
        if self.groups is not None:
            columns[GROUP] = self.groups
        return Dataset.from_dict(columns)


def _texts(table: RawTable, column: str, key: str) -> list[str]:
    values = table.column(column, key)
    for row, value in enumerate(values, start=1):
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(
                f"{table.source}: {table.where(row)}, column {column!r}: expected a non-empty text, got {value!r}"
            )
    return values


def _labels(table: RawTable, column: str) -> list[str]:
    """The label names of a table: a missing label is an error naming its row; merged spellings are logged."""
    raw = table.column(column, "label")
    labels = canonical_labels(raw)
    for row, (value, label) in enumerate(zip(raw, labels, strict=True), start=1):
        if label is None:
            raise ConfigurationError(
                f"{table.source}: {table.where(row)}, column {column!r}: the label is missing (got {value!r}); "
                "every row needs a label"
            )
    merges = merged_spellings(raw, labels)
    if merges:
        logger.info(
            "%s: column %r: label spellings read as one class each (surrounding whitespace removed, one "
            "spelling per number): %s",
            table.source, column, describe_merges(merges),
        )  # fmt: skip
    check_case_variants(labels, table.source, column)
    return labels  # type: ignore[return-value]


def _merge_booleans(rows: dict[str, _Rows], column: str, label_order: Sequence[Any] | None) -> Sequence[Any] | None:
    """Read ``true`` / ``false`` as ``1`` / ``0`` in every split when the labels mix the two kinds (logged per file);
    ``label_order`` (returned) is read the same way."""
    numbers = boolean_numbers(label for split_rows in rows.values() for label in split_rows.labels)
    if not numbers:
        return label_order
    for split_rows in rows.values():
        counts = Counter(label for label in split_rows.labels if label in numbers)
        if counts:
            logger.warning(
                "%s: column %r mixes booleans with 0 / 1, read as one class each: %s",
                split_rows.source, column,
                ", ".join(f"{name!r} -> {numbers[name]!r} x {count}" for name, count in sorted(counts.items())),
            )  # fmt: skip
        split_rows.labels = [numbers.get(label, label) for label in split_rows.labels]
    if label_order is None:
        return None
    names = [canonical_label(value) for value in label_order]
    return [
        BOOLEAN_NUMBERS.get(name.casefold(), value) if name is not None else value
        for name, value in zip(names, label_order, strict=True)
    ]


def _map_columns(table: RawTable, columns: PairColumns) -> _Rows:
    labels = _labels(table, columns.label)
    groups = None
    if columns.group is not None:
        raw_groups = table.column(columns.group, "group")
        for row, value in enumerate(raw_groups, start=1):
            if label_name(value) is None:
                raise ConfigurationError(f"{table.source}: {table.where(row)}, column {columns.group!r}: missing group")
        groups = [str(label_name(value)) for value in raw_groups]
    return _Rows(
        source=table.source,
        text_a=_texts(table, columns.text_a, "text_a"),
        text_b=_texts(table, columns.text_b, "text_b"),
        labels=labels,
        groups=groups,
    )


def _drop_duplicates(rows: _Rows) -> tuple[_Rows, int]:
    """Rows with the first occurrence of each (text_a, text_b, label[, group]) kept, and how many went."""
    groups = rows.groups if rows.groups is not None else [None] * len(rows.labels)
    keys = zip(rows.text_a, rows.text_b, rows.labels, groups, strict=True)
    first: dict[tuple[Any, ...], int] = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    kept = sorted(first.values())
    return rows.select(kept), len(rows.labels) - len(kept)


def _check_fractions(carve: dict[str, float]) -> None:
    """The shares of train to carve out are each above 0 and together below 1."""
    for split, fraction in carve.items():
        if not 0.0 < fraction < 1.0:
            raise ConfigurationError(
                f"data.{split}_fraction must be above 0 and below 1 to carve {split} from train, got {fraction}"
            )
    if sum(carve.values()) >= 1.0:
        raise ConfigurationError(
            f"data.test_fraction + data.dev_fraction must be below 1 to leave training rows, got {sum(carve.values())}"
        )


def _carve(rows: _Rows, fraction: float, left: float, seed: int, split: str) -> tuple[_Rows, _Rows]:
    """``fraction`` of the training table (of which ``left`` is still in ``rows``) as ``split``, and the rest.

    Stratified by label and seeded; both parts keep the source order.
    """
    from sklearn.model_selection import train_test_split

    key = f"data.{split}_fraction"
    indices = np.arange(len(rows.labels))
    try:
        rest, carved = train_test_split(indices, test_size=fraction / left, stratify=rows.labels, random_state=seed)
    except ValueError as error:
        raise ConfigurationError(
            f"{rows.source}: cannot carve a stratified {split} split of {key}={fraction} from "
            f"{len(indices)} training rows: {error}"
        ) from error
    return rows.select(np.sort(rest).tolist()), rows.select(np.sort(carved).tolist())


def build_pair_splits(
    name: str,
    tables: dict[str, RawTable | None],
    columns: PairColumns,
    label_order: Sequence[Any] | None = None,
    dev_fraction: float = 0.1,
    test_fraction: float = 0.1,
    drop_duplicates: bool = False,
    max_train_rows: int | None = None,
    seed: int = 0,
    split_seed: int = 0,
) -> PairSplits:
    """Map, encode, filter, carve and check the tables of one data set.

    Args:
        name: the data set's name in :class:`PairSplits`.
        tables: ``train`` (required), ``dev`` and ``test`` (None: carved from train).
        columns: the source columns of the texts, the label and the group.
        label_order: label names in class-id order; None sorts the training labels (integers numerically).
        dev_fraction: share of the training table carved out as dev when there is no dev table.
        test_fraction: share of the training table carved out as test when there is no test table
            (carved first, then dev from the rest; both shares are of the whole table).
        drop_duplicates: drop repeated (text_a, text_b, label[, group]) rows within each table; the count
            goes to ``PairSplits.rows_filtered``.
        max_train_rows: keep at most this many training rows, stratified by label (for quick runs).
        seed: seed of the training subset (the run's seed).
        split_seed: seed of the carving, fixed by default so that every run of a sweep is tested on the same rows.
    """
    if tables.get("train") is None:
        raise ConfigurationError("data.train must name the training data")
    read = sum(len(table) for table in tables.values() if table is not None)
    with announced(f"{name}: checking the texts and mapping the labels", read, logger):
        rows = {split: _map_columns(table, columns) for split, table in tables.items() if table is not None}
        rows_read = {split: len(split_rows.labels) for split, split_rows in rows.items()}
        label_order = _merge_booleans(rows, columns.label, label_order)
        mapping = LabelMapping.from_labels(rows["train"].labels, label_order)
        if len(mapping.names) < 2:
            raise ConfigurationError(
                f"{rows['train'].source}: column {columns.label!r} has one label {mapping.names} in every training "
                "row; a classifier needs at least two"
            )
        for split_rows in rows.values():
            split_rows.labels = mapping.encode(split_rows.labels, split_rows.source, columns.label)

    rows_filtered: dict[str, int] = {}
    if drop_duplicates:
        for split in list(rows):
            rows[split], rows_filtered[split] = _drop_duplicates(rows[split])
        logger.info("%s: dropped duplicate rows %s", name, rows_filtered)

    carve = {
        split: fraction for split, fraction in (("test", test_fraction), ("dev", dev_fraction)) if split not in rows
    }
    _check_fractions(carve)
    left = 1.0  # share of the training table still in train
    for split, fraction in carve.items():
        with announced(f"{name}: carving {split} from train", len(rows["train"].labels), logger):
            rows["train"], rows[split] = _carve(rows["train"], fraction, left, split_seed, split)
        left -= fraction
        logger.info("%s: %s carved from train (%d rows, %.0f%%)", name, split, len(rows[split].labels), 100 * fraction)

    with announced(f"{name}: building and checking the train / dev / test tables", read, logger):
        splits = {split: rows[split].dataset() for split in SPLITS}
        data = PairSplits(
            name=name,
            train=stratified_subset(splits["train"], max_train_rows, seed, label_names=mapping.names),
            dev=splits["dev"],
            test=splits["test"],
            label_names=mapping.names,
            rows_read=rows_read,
            rows_filtered=rows_filtered,
        )
        for split, dataset in data.splits().items():
            check_pair_split(dataset, split, name, data.num_classes)
        check_split_classes(data, sources={split: split_rows.source for split, split_rows in rows.items()})
    logger.info(
        "%s: rows read %s, train / dev / test %d / %d / %d, labels %s",
        name, rows_read, len(data.train), len(data.dev), len(data.test), data.label_names,
    )  # fmt: skip
    return data
