"""Local CSV / TSV / JSON lines / Parquet files (gzip / bzip2 / xz compressed or not) as labelled pairs.

The ``files``, ``snli`` and ``mnli`` options.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from experiments.data.assembly import PairColumns, build_pair_splits
from experiments.data.splits import PairSplits
from experiments.data.tables import RawTable, read_table
from experiments.inputs import checked_by, require_file, require_folder


def data_path(name: str, root: str | None) -> Path:
    """A data file named in the config: ``name`` taken from ``root`` when given, else from the working directory."""
    return Path(root) / name if root is not None else Path(name)


def check_files(train: str, dev: str | None = None, test: str | None = None, root: str | None = None, **_: Any) -> None:
    """The files :func:`load_files` would read exist (before anything is imported or read)."""
    if root is not None:
        require_folder("data.root", Path(root))
    for key, name in (("train", train), ("dev", dev), ("test", test)):
        if name is not None:
            require_file(f"data.{key}", data_path(name, root))


@checked_by(check_files)
def load_files(
    train: str,
    dev: str | None = None,
    test: str | None = None,
    root: str | None = None,
    format: str | None = None,
    header: bool = True,
    column_names: Sequence[str] | None = None,
    quoting: str = "auto",
    text_a: str = "sentence_a",
    text_b: str = "sentence_b",
    label: str = "label",
    group: str | None = None,
    label_order: Sequence[Any] | None = None,
    dev_fraction: float = 0.1,
    test_fraction: float = 0.1,
    drop_duplicates: bool = False,
    max_train_rows: int | None = None,
    seed: int = 0,
    split_seed: int = 0,
    name: str = "files",
) -> PairSplits:
    """Labelled pairs from local files; a missing dev or test file is carved from train (stratified, seeded).

    Args:
        train: the training file.
        dev: the dev file; None carves ``dev_fraction`` of the training rows.
        test: the test file; None carves ``test_fraction`` of the training rows (before dev is carved).
        root: folder that relative paths are taken from; None = the working directory.
        format: ``csv``, ``tsv``, ``jsonl`` or ``parquet`` for every file; None = from each extension.
        header: False for files without a header row (see :func:`experiments.data.tables.read_table`).
        column_names: the column names of header-less files, in order.
        quoting: ``auto``, ``quoted`` or ``none``: how quotes in CSV / TSV files are read (auto: CSV quoted,
            TSV detected; see :mod:`experiments.data.quoting`).
        text_a: column of the first text.
        text_b: column of the second text.
        label: column of the label (int, bool or string).
        group: optional column that groups pairs (e.g. a query id) for ranking metrics.
        label_order: label names in class-id order; None = sorted training labels.
        dev_fraction: share of train carved out as dev when ``dev`` is None.
        test_fraction: share of train carved out as test when ``test`` is None.
        drop_duplicates: drop repeated rows within each file (counted in ``rows_filtered``).
        max_train_rows: keep at most this many training rows, stratified by label (for quick runs).
        seed: seed of the training subset (the run's seed).
        split_seed: seed of the carving, fixed by default so that every run of a sweep is tested on the same rows.
        name: the data set's name.
    """

    def read(path: str | None) -> RawTable | None:
        if path is None:
            return None
        full = data_path(path, root)
        return read_table(full, format=format, header=header, column_names=column_names, quoting=quoting)

    return build_pair_splits(
        name=name,
        tables={"train": read(train), "dev": read(dev), "test": read(test)},
        columns=PairColumns(text_a=text_a, text_b=text_b, label=label, group=group),
        label_order=label_order,
        dev_fraction=dev_fraction,
        test_fraction=test_fraction,
        drop_duplicates=drop_duplicates,
        max_train_rows=max_train_rows,
        seed=seed,
        split_seed=split_seed,
    )
