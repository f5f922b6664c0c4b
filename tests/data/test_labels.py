"""The explicit label mapping: names of int / bool / string labels, order, unseen labels."""

from __future__ import annotations

import math
import re

import pytest

from experiments.data.labels import (
    LabelMapping,
    boolean_numbers,
    canonical_label,
    canonical_labels,
    check_case_variants,
    describe_merges,
    label_name,
    merged_spellings,
    spelling_variants,
)
from experiments.errors import ConfigurationError


@pytest.mark.parametrize(
    ("value", "name"),
    [(1, "1"), (1.0, "1"), (True, "true"), (False, "false"), ("neutral", "neutral"), (None, None), (math.nan, None)],
)
def test_label_name(value: object, name: str | None):
    assert label_name(value) == name


def test_sorted_order_puts_integers_in_numeric_order():
    assert LabelMapping.from_labels(["10", "2", "0", "2"]).names == ["0", "2", "10"]
    assert LabelMapping.from_labels(["true", "false"]).names == ["false", "true"]
    assert LabelMapping.from_labels(["neutral", "contradiction", "entailment"]).names == [
        "contradiction", "entailment", "neutral"
    ]  # fmt: skip


def test_configured_order_wins_and_accepts_typed_values():
    mapping = LabelMapping.from_labels(["true", "false"], order=[True, False])
    assert mapping.names == ["true", "false"]
    assert mapping.encode(["false", "true", "true"], "f.csv", "y") == [1, 0, 0]


def test_configured_order_must_cover_only_seen_labels():
    with pytest.raises(ConfigurationError, match=re.escape("data.label_order lists ['maybe'], which no training row")):
        LabelMapping.from_labels(["yes", "no"], order=["no", "yes", "maybe"])
    with pytest.raises(ConfigurationError, match=re.escape("data.label_order must list distinct, non-null labels")):
        LabelMapping.from_labels(["yes"], order=["yes", "yes"])


def test_a_label_outside_the_mapping_names_file_row_and_column():
    mapping = LabelMapping.from_labels(["no", "yes"])
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "dev.csv: row 2, column 'y': label 'maybe' is not in the label mapping ['no', 'yes'] "
            "(from the sorted training labels)"
        ),
    ):
        mapping.encode(["yes", "maybe"], "dev.csv", "y")
    with pytest.raises(ConfigurationError, match=re.escape("dev.csv: row 1, column 'y': a missing label is not in")):
        mapping.encode([None], "dev.csv", "y")


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (" 1", "1"), ("1.0", "1"), ("01", "1"), ("+1", "1"), (1.0, "1"), ("-0", "0"), ("0.50", "0.5"), ("1e0", "1"),
        (" yes ", "yes"), ("Yes", "Yes"), ("", None), ("   ", None), ("NaN", None), ("nan", None), ("None", None),
        ("null", None), (None, None), (math.nan, None), (True, "true"), ("none", "none"),
    ],
)  # fmt: skip
def test_canonical_label(value: object, name: str | None):
    assert canonical_label(value) == name


def test_canonical_labels_work_each_distinct_value_out_once_and_keep_types_apart():
    values = [True, 1, 1.0, " 1", "NaN", math.nan, ["a"], True, "yes"]
    assert canonical_labels(values) == [canonical_label(value) for value in values]
    assert canonical_labels(values) == ["true", "1", "1", "1", None, None, "['a']", "true", "yes"]


def test_merged_spellings_list_each_class_spelt_more_than_one_way():
    raw = ["1", " 1", "1.0", "0", "0", " no "]
    merges = merged_spellings(raw, [canonical_label(value) for value in raw])
    assert merges == {"1": {"1": 1, " 1": 1, "1.0": 1}, "no": {" no ": 1}}
    assert describe_merges(merges) == "class '1': '1' x 1, ' 1' x 1, '1.0' x 1; class 'no': ' no ' x 1"


def test_labels_that_differ_only_in_case_stop_with_their_counts():
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "t.csv: column 'y' has labels that differ only in case ('Yes' / 'yes'), which look like spellings of "
            "one label; the labels are 'Yes' (1 row), 'no' (2 rows), 'yes' (3 rows). Fix the spelling in the file"
        ),
    ):
        check_case_variants(["yes", "yes", "yes", "Yes", "no", "no"], "t.csv", "y")
    check_case_variants(["yes", "no", None], "t.csv", "y")


def test_spelling_variants():
    assert spelling_variants(["negative", "positive", "postive"]) == [("positive", "postive")]
    assert spelling_variants(["0", "1", "1."]) == [("1", "1.")]
    assert spelling_variants(["label_1", "label_2", "label_3"]) == []
    assert spelling_variants(["entailment", "neutral", "contradiction"]) == []


def test_label_order_takes_the_same_spellings():
    assert LabelMapping.from_labels(["0", "1"], order=["1.0", " 0"]).names == ["1", "0"]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["0", "1", "true", "false"], {"false": "0", "true": "1"}),
        (["0", "True", "FALSE", None], {"FALSE": "0", "True": "1"}),
        (["true", "false"], {}),
        (["0", "1"], {}),
        (["0", "1", "2", "true"], {}),
        (["yes", "true", "0"], {}),
    ],
)
def test_booleans_are_read_as_numbers_only_beside_zero_and_one(labels: list[str | None], expected: dict[str, str]):
    assert boolean_numbers(labels) == expected
