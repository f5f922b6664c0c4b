"""The ``files`` source: column and label mapping, carved splits, row limits, duplicates, bad rows."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from experiments.data import LABEL, TEXT_A, TEXT_B, class_counts, load_files
from experiments.errors import ConfigurationError


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def pairs(labels: list[object], prefix: str = "q") -> list[dict[str, object]]:
    return [{"first": f"{prefix}{i}", "second": f"answer {i}", "gold": label} for i, label in enumerate(labels)]


COLUMNS = {"text_a": "first", "text_b": "second", "label": "gold"}


def test_string_labels_mapped_in_sorted_order_across_three_files(tmp_path: Path):
    data = load_files(
        train=write_jsonl(tmp_path / "train.jsonl", pairs(["no", "yes", "no", "no"])),
        dev=write_jsonl(tmp_path / "dev.jsonl", pairs(["yes", "no"])),
        test=write_jsonl(tmp_path / "test.jsonl", pairs(["no"])),
        **COLUMNS,
    )
    assert data.label_names == ["no", "yes"]
    assert data.train[LABEL] == [0, 1, 0, 0] and data.dev[LABEL] == [1, 0] and data.test[LABEL] == [0]
    assert data.train[TEXT_A] == ["q0", "q1", "q2", "q3"] and data.train[TEXT_B][1] == "answer 1"
    assert data.rows_read == {"train": 4, "dev": 2, "test": 1} and data.rows_filtered == {}
    assert data.train.column_names == [TEXT_A, TEXT_B, LABEL]


def test_bool_labels_in_a_header_less_csv_with_relative_paths_under_root(tmp_path: Path):
    (tmp_path / "train.csv").write_text("a,b,true\nc,d,false\ne,f,true\n", encoding="utf-8")
    (tmp_path / "dev.csv").write_text("g,h,false\nk,l,true\n", encoding="utf-8")
    (tmp_path / "test.csv").write_text("i,j,true\n", encoding="utf-8")
    data = load_files(
        train="train.csv", dev="dev.csv", test="test.csv", root=str(tmp_path),
        header=False, column_names=["first", "second", "gold"], label_order=[True, False], **COLUMNS,
    )  # fmt: skip
    assert data.label_names == ["true", "false"]
    assert data.train[LABEL] == [0, 1, 0] and data.dev[LABEL] == [1, 0] and data.test[LABEL] == [0]


def test_json_booleans_and_integers_as_labels(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs([True, False, True]))
    data = load_files(train=train, dev=train, test=train, **COLUMNS)
    assert data.label_names == ["false", "true"] and data.train[LABEL] == [1, 0, 1]
    train = write_jsonl(tmp_path / "ints.jsonl", pairs([2, 10, 0]))
    data = load_files(train=train, dev=train, test=train, **COLUMNS)
    assert data.label_names == ["0", "2", "10"] and data.train[LABEL] == [1, 2, 0]


def test_dev_and_test_carved_from_train_stratified_and_seeded(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a"] * 80 + ["b"] * 20))
    data = load_files(train=train, dev_fraction=0.25, test_fraction=0.1, **COLUMNS)
    assert (len(data.train), len(data.dev), len(data.test)) == (65, 25, 10)
    assert class_counts(data.test[LABEL], 2) == [8, 2]
    assert class_counts(data.dev[LABEL], 2) == [20, 5]
    assert class_counts(data.train[LABEL], 2) == [52, 13]
    every = sorted([*data.train[TEXT_A], *data.dev[TEXT_A], *data.test[TEXT_A]])
    assert every == sorted(f"q{i}" for i in range(100))  # no row lost or repeated
    again = load_files(train=train, dev_fraction=0.25, test_fraction=0.1, seed=7, **COLUMNS)
    assert list(again.test[TEXT_A]) == list(data.test[TEXT_A]) and list(again.dev[TEXT_A]) == list(data.dev[TEXT_A])
    other = load_files(train=train, dev_fraction=0.25, test_fraction=0.1, split_seed=1, **COLUMNS)
    assert list(other.test[TEXT_A]) != list(data.test[TEXT_A])
    assert data.rows_read == {"train": 100}


def test_max_train_rows_is_stratified_and_seeded(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a"] * 80 + ["b"] * 20))
    dev = write_jsonl(tmp_path / "dev.jsonl", pairs(["a", "b"]))
    data = load_files(train=train, dev=dev, test=dev, max_train_rows=10, seed=3, **COLUMNS)
    assert class_counts(data.train[LABEL], 2) == [8, 2]
    again = load_files(train=train, dev=dev, test=dev, max_train_rows=10, seed=3, **COLUMNS)
    assert list(again.train[TEXT_A]) == list(data.train[TEXT_A])
    other = load_files(train=train, dev=dev, test=dev, max_train_rows=10, seed=4, **COLUMNS)
    assert list(other.train[TEXT_A]) != list(data.train[TEXT_A])


def test_drop_duplicates_counts_what_it_drops(tmp_path: Path):
    rows = pairs(["a", "b", "a"])
    rows.append(dict(rows[0]))
    rows.append({**rows[1], "gold": "a"})  # same texts, other label: kept
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    data = load_files(train=train, dev=train, test=train, drop_duplicates=True, **COLUMNS)
    assert len(data.train) == 4 and data.rows_read["train"] == 5
    assert data.rows_filtered == {"train": 1, "dev": 1, "test": 1}
    kept = load_files(train=train, dev=train, test=train, **COLUMNS)
    assert len(kept.train) == 5


def test_group_column_is_carried(tmp_path: Path):
    rows = [{**row, "qid": f"Q{i // 2}"} for i, row in enumerate(pairs(["a", "b", "a", "b"]))]
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    data = load_files(train=train, dev=train, test=train, group="qid", **COLUMNS)
    assert data.test["group"] == ["Q0", "Q0", "Q1", "Q1"]


def test_missing_column(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "b"]))
    with pytest.raises(
        ConfigurationError,
        match=re.escape(f"{train}: missing column 'answer' (data.text_b); the columns are ['first', 'second', 'gold']"),
    ):
        load_files(train=train, text_a="first", text_b="answer", label="gold")


@pytest.mark.parametrize("text", ["", "   ", None, 7])
def test_empty_or_non_text(tmp_path: Path, text: object):
    rows = pairs(["a", "b", "a"])
    rows[2]["second"] = text
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(f"{train}: row 3 (line 3), column 'second': expected a non-empty text, got {text!r}"),
    ):
        load_files(train=train, **COLUMNS)


def test_a_dev_label_training_never_saw(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "b"]))
    dev = write_jsonl(tmp_path / "dev.jsonl", pairs(["a", "c"]))
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"{dev}: row 2, column 'gold': label 'c' is not in the label mapping ['a', 'b'] "
            "(from the sorted training labels)"
        ),
    ):
        load_files(train=train, dev=dev, test=train, **COLUMNS)


def test_a_training_label_outside_the_configured_order(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "b", "c"]))
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"{train}: row 3, column 'gold': label 'c' is not in the label mapping ['b', 'a'] (from data.label_order)"
        ),
    ):
        load_files(train=train, label_order=["b", "a"], **COLUMNS)


def test_a_missing_label(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", None, "b"]))
    with pytest.raises(
        ConfigurationError,
        match=re.escape(f"{train}: row 2 (line 2), column 'gold': the label is missing (got None); every row needs"),
    ):
        load_files(train=train, **COLUMNS)


def test_a_missing_dev_file_names_the_file(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "b"]))
    with pytest.raises(ConfigurationError, match=re.escape(f"{tmp_path / 'dev.jsonl'}: file not found")):
        load_files(train=train, dev=str(tmp_path / "dev.jsonl"), **COLUMNS)


def test_too_few_rows_to_carve_a_stratified_split(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "a", "a", "b"]))
    with pytest.raises(
        ConfigurationError, match=re.escape("cannot carve a stratified test split of data.test_fraction")
    ):
        load_files(train=train, **COLUMNS)
    with pytest.raises(ConfigurationError, match=re.escape("data.dev_fraction must be above 0 and below 1 to carve")):
        load_files(train=train, test=train, dev_fraction=0.0, **COLUMNS)
    with pytest.raises(
        ConfigurationError,
        match=re.escape("data.test_fraction + data.dev_fraction must be below 1 to leave training rows, got 1.0"),
    ):
        load_files(train=train, dev_fraction=0.5, test_fraction=0.5, **COLUMNS)


def test_a_single_training_label(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "a"]))
    with pytest.raises(
        ConfigurationError,
        match=re.escape(f"{train}: column 'gold' has one label ['a'] in every training row; a classifier needs"),
    ):
        load_files(train=train, **COLUMNS)


# Reliability II: labels that are missing or spelt several ways, splits that lack a class.


def write_delimited(path: Path, labels: list[str], delimiter: str = ",") -> str:
    lines = [delimiter.join(["first", "second", "gold"])]
    lines += [delimiter.join([f"q{i}", f"answer {i}", label]) for i, label in enumerate(labels)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("suffix", "delimiter"), [("csv", ","), ("tsv", "\t")])
@pytest.mark.parametrize("cell", ["", "  ", "NaN", "nan", "None"])
def test_an_empty_or_nan_label_cell_names_file_row_line_and_column(tmp_path: Path, suffix: str, delimiter: str, cell):
    train = write_delimited(tmp_path / f"train.{suffix}", ["0", "1", "0", cell, "1"], delimiter)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"{train}: row 4 (line 5), column 'gold': the label is missing (got {cell!r}); every row needs a label"
        ),
    ):
        load_files(train=train, **COLUMNS)


def test_spellings_of_one_number_or_padded_labels_are_one_class_and_logged(tmp_path: Path, caplog):
    labels = ["1", " 1", "1.0", "0", "0 ", "0.0"] * 10
    train = write_delimited(tmp_path / "train.csv", labels)
    dev = write_delimited(tmp_path / "dev.csv", ["1.0", " 0"])
    with caplog.at_level("INFO", logger="experiments.data.assembly"):
        data = load_files(train=train, dev=dev, test=dev, **COLUMNS)
    assert data.label_names == ["0", "1"]
    assert data.train[LABEL] == [1, 1, 1, 0, 0, 0] * 10 and data.dev[LABEL] == [1, 0]
    assert (
        f"{train}: column 'gold': label spellings read as one class each (surrounding whitespace removed, one "
        "spelling per number): class '0': '0' x 10, '0 ' x 10, '0.0' x 10; class '1': '1' x 10, ' 1' x 10, "
        "'1.0' x 10"
    ) in caplog.messages
    assert f"{dev}: column 'gold': label spellings read as one class each" in caplog.text


def _wikiqa_pairs(labels: list[object], file_format: str, path: Path) -> str:
    """The first WikiQA dev pairs with ``labels`` in column ``gold``, as JSON lines (labels as JSON values) or CSV."""
    from experiments.data.wikiqa import embedded_wikiqa_dir

    lines = (embedded_wikiqa_dir() / "WikiQA-dev.tsv").read_text(encoding="utf-8").splitlines()[1 : len(labels) + 1]
    texts = [(line.split("\t")[1], line.split("\t")[5]) for line in lines]
    rows = [{"first": a, "second": b, "gold": label} for (a, b), label in zip(texts, labels, strict=True)]
    if file_format == "jsonl":
        return write_jsonl(path.with_suffix(".jsonl"), rows)
    with path.with_suffix(".csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["first", "second", "gold"])
        writer.writeheader()
        writer.writerows({**row, "gold": str(row["gold"])} for row in rows)
    return str(path.with_suffix(".csv"))


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_booleans_mixed_with_zero_and_one_are_two_classes_and_logged(tmp_path: Path, file_format: str, caplog):
    train_labels: list[object] = [0, 1, True, False, 0, 0, True, 0] * 5
    train = _wikiqa_pairs(train_labels, file_format, tmp_path / "train")
    dev = _wikiqa_pairs([True, False, False, True], file_format, tmp_path / "dev")
    with caplog.at_level("WARNING", logger="experiments.data.assembly"):
        data = load_files(train=train, dev=dev, test=dev, **COLUMNS)
    assert data.label_names == ["0", "1"]
    assert data.train[LABEL] == [int(label) for label in train_labels] and data.dev[LABEL] == [1, 0, 0, 1]
    spelling = {"jsonl": ("false", "true"), "csv": ("False", "True")}[file_format]
    assert (
        f"{train}: column 'gold' mixes booleans with 0 / 1, read as one class each: "
        f"{spelling[0]!r} -> '0' x 5, {spelling[1]!r} -> '1' x 10"
    ) in caplog.messages
    assert f"{dev}: column 'gold' mixes booleans with 0 / 1" in caplog.text
    ordered = load_files(train=train, dev=dev, test=dev, label_order=[True, False], **COLUMNS)
    assert ordered.label_names == ["1", "0"] and ordered.dev[LABEL] == [0, 1, 1, 0]


def test_labels_that_differ_only_in_case_stop_listing_every_label(tmp_path: Path):
    train = write_delimited(tmp_path / "train.csv", ["yes", "no", "Yes", "no"])
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"{train}: column 'gold' has labels that differ only in case ('Yes' / 'yes'), which look like spellings "
            "of one label; the labels are 'Yes' (1 row), 'no' (2 rows), 'yes' (1 row)"
        ),
    ):
        load_files(train=train, **COLUMNS)


@pytest.mark.parametrize("dev_labels", [["a", "a", "a"], ["b", "b"]])
def test_a_dev_split_with_one_class_stops_before_training(tmp_path: Path, dev_labels: list[str]):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "b"] * 5))
    dev = write_jsonl(tmp_path / "dev.jsonl", pairs(dev_labels))
    other = "b" if dev_labels[0] == "a" else "a"
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"files: the dev split ({dev}) holds only class {dev_labels[0]!r} ({len(dev_labels)} rows), none of "
            f"[{other!r}]: choosing the best epoch and the decision threshold needs every class on dev"
        ),
    ):
        load_files(train=train, dev=dev, test=train, **COLUMNS)


def test_a_test_split_with_one_class_is_a_warning(tmp_path: Path, caplog):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a", "b"] * 5))
    test = write_jsonl(tmp_path / "test.jsonl", pairs(["a", "a"]))
    with caplog.at_level("WARNING", logger="experiments.data.splits"):
        data = load_files(train=train, dev=train, test=test, **COLUMNS)
    assert data.test[LABEL] == [0, 0]
    assert (
        f"files: the test split ({test}) has no row of class(es) ['b'] (counts {{'a': 2}}): average precision "
        "and ROC AUC are undefined (NaN) there"
    ) in caplog.messages


def test_max_train_rows_too_small_to_keep_every_class_names_the_minimum(tmp_path: Path):
    train = write_jsonl(tmp_path / "train.jsonl", pairs(["a"] * 959 + ["b"] * 41))
    dev = write_jsonl(tmp_path / "dev.jsonl", pairs(["a", "b"]))
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "data.max_train_rows=2 is too small to keep every class in the stratified train subset: class 'b' has "
            "41 of 1000 train rows, so at least 25 rows are needed; set data.max_train_rows=25 or more"
        ),
    ):
        load_files(train=train, dev=dev, test=dev, max_train_rows=2, **COLUMNS)
    for seed in range(5):
        kept = load_files(train=train, dev=dev, test=dev, max_train_rows=25, seed=seed, **COLUMNS)
        assert class_counts(kept.train[LABEL], 2) == [24, 1]


def test_a_compressed_training_file(tmp_path: Path):
    import gzip

    path = tmp_path / "train.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(row) + "\n" for row in pairs(["a", "b"] * 3)).encode()))
    data = load_files(train=str(path), dev=str(path), test=str(path), **COLUMNS)
    assert data.rows_read == {"train": 6, "dev": 6, "test": 6} and data.label_names == ["a", "b"]
