"""The ``hub`` source, read from folders saved with ``save_to_disk`` (the same code path as the hub)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from experiments.data import LABEL, TEXT_A, load_hub
from experiments.errors import ConfigurationError

FEATURES = Features({"s1": Value("string"), "s2": Value("string"), "y": ClassLabel(names=["neg", "pos"])})


def split(labels: list[int], prefix: str) -> Dataset:
    return Dataset.from_dict(
        {"s1": [f"{prefix}{i}" for i in range(len(labels))], "s2": ["b"] * len(labels), "y": labels}, features=FEATURES
    )


def test_saved_dataset_dict_stands_in_for_the_hub(tmp_path: Path):
    folder = tmp_path / "saved"
    DatasetDict(
        {"train": split([0, 1, 1, 0], "t"), "validation": split([1, 0], "v"), "test": split([0], "x")}
    ).save_to_disk(str(folder))
    data = load_hub(path=str(folder), text_a="s1", text_b="s2", label="y", label_order=["neg", "pos"])
    assert data.label_names == ["neg", "pos"]  # ClassLabel names, not ids
    assert data.train[LABEL] == [0, 1, 1, 0] and data.dev[LABEL] == [1, 0] and data.test[TEXT_A] == ["x0"]
    assert data.rows_read == {"train": 4, "dev": 2, "test": 1}
    assert data.name == str(folder)


def test_saved_single_dataset_is_the_training_split_and_dev_test_are_carved(tmp_path: Path):
    folder = tmp_path / "saved"
    split([0] * 16 + [1] * 4, "t").save_to_disk(str(folder))
    data = load_hub(path=str(folder), dev=None, test=None, dev_fraction=0.25, test_fraction=0.2,
                    text_a="s1", text_b="s2", label="y", max_train_rows=6)  # fmt: skip
    assert (len(data.train), len(data.dev), len(data.test)) == (6, 5, 4)
    assert data.label_names == ["neg", "pos"] and sorted(data.test[LABEL]) == [0, 0, 0, 1]


def test_unknown_split_name(tmp_path: Path):
    folder = tmp_path / "saved"
    DatasetDict({"train": split([0, 1], "t")}).save_to_disk(str(folder))
    with pytest.raises(
        ConfigurationError, match=re.escape(f"data.dev='validation' is not a split of {folder}; it has ['train']")
    ):
        load_hub(path=str(folder), text_a="s1", text_b="s2", label="y")


def test_a_bad_row_names_the_split(tmp_path: Path):
    folder = tmp_path / "saved"
    bad = Dataset.from_dict({"s1": ["a", ""], "s2": ["b", "c"], "y": [0, 1]}, features=FEATURES)
    DatasetDict({"train": bad}).save_to_disk(str(folder))
    with pytest.raises(
        ConfigurationError, match=re.escape(f"{folder}[train]: row 2, column 's1': expected a non-empty text, got ''")
    ):
        load_hub(path=str(folder), dev=None, test=None, text_a="s1", text_b="s2", label="y")


def test_a_folder_that_was_not_saved_with_save_to_disk(tmp_path: Path):
    with pytest.raises(ConfigurationError, match=re.escape("is a folder but not one saved with save_to_disk")):
        load_hub(path=str(tmp_path))
