"""A Hugging Face data set, from the hub or from a folder saved with ``save_to_disk`` (the ``hub`` option)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.data.assembly import PairColumns, build_pair_splits
from experiments.data.splits import PairSplits
from experiments.data.tables import RawTable, table_from_dataset
from experiments.errors import ConfigurationError
from experiments.inputs import checked_by, require_folder

if TYPE_CHECKING:  # imported where used: the run's early checks import this module without datasets
    import datasets


def _open(path: str, config: str | None, revision: str | None) -> datasets.DatasetDict | datasets.Dataset:
    """A saved folder through ``load_from_disk``; anything else through ``load_dataset`` (needs the network)."""
    import datasets

    if Path(path).is_dir():
        try:
            return datasets.load_from_disk(path)
        except FileNotFoundError as error:
            raise ConfigurationError(f"data.path={path!r} is a folder but not one saved with save_to_disk") from error
    return datasets.load_dataset(path, config, revision=revision)


def check_hub(path: str, **_: Any) -> None:
    """A local ``data.path`` (starting with ``.``, ``/`` or ``~``) is a folder; hub names are left to ``datasets``."""
    if path.startswith((".", "/", "~")):
        require_folder("data.path", Path(path))


@checked_by(check_hub)
def load_hub(
    path: str,
    config: str | None = None,
    revision: str | None = None,
    train: str = "train",
    dev: str | None = "validation",
    test: str | None = "test",
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
) -> PairSplits:
    """Labelled pairs from a ``datasets`` data set; a missing dev or test split is carved from train.

    ``ClassLabel`` columns are read as their names, so ``label_names`` are the data set's own.

    Args:
        path: a hub name (e.g. ``nyu-mll/glue``) or a local folder saved with ``Dataset(Dict).save_to_disk``.
        config: the hub configuration (e.g. ``mrpc``).
        revision: a hub commit or tag, for reproducible runs.
        train: the training split's name (a saved single ``Dataset`` is the training split).
        dev: the dev split's name; None carves ``dev_fraction`` of train.
        test: the test split's name; None carves ``test_fraction`` of train (before dev is carved).
        text_a: column of the first text.
        text_b: column of the second text.
        label: column of the label (int, bool, string or ``ClassLabel``).
        group: optional column that groups pairs (e.g. a query id) for ranking metrics.
        label_order: label names in class-id order; None = sorted training labels.
        dev_fraction: share of train carved out as dev when ``dev`` is None.
        test_fraction: share of train carved out as test when ``test`` is None.
        drop_duplicates: drop repeated rows within each split (counted in ``rows_filtered``).
        max_train_rows: keep at most this many training rows, stratified by label (for quick runs).
        seed: seed of the training subset (the run's seed).
        split_seed: seed of the carving, fixed by default so that every run of a sweep is tested on the same rows.
    """
    import datasets

    loaded = _open(path, config, revision)
    available = {train: loaded} if isinstance(loaded, datasets.Dataset) else dict(loaded)

    def read(split: str | None, key: str) -> RawTable | None:
        if split is None:
            return None
        if split not in available:
            raise ConfigurationError(f"data.{key}={split!r} is not a split of {path}; it has {sorted(available)}")
        keep = (text_a, text_b, label, group)
        return table_from_dataset(available[split], source=f"{path}[{split}]", keep=keep)

    return build_pair_splits(
        name=path if config is None else f"{path}/{config}",
        tables={"train": read(train, "train"), "dev": read(dev, "dev"), "test": read(test, "test")},
        columns=PairColumns(text_a=text_a, text_b=text_b, label=label, group=group),
        label_order=label_order,
        dev_fraction=dev_fraction,
        test_fraction=test_fraction,
        drop_duplicates=drop_duplicates,
        max_train_rows=max_train_rows,
        seed=seed,
        split_seed=split_seed,
    )
