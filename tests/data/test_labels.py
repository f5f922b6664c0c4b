"""The explicit label mapping: names of int / bool / string labels, order, unseen labels."""

from __future__ import annotations

import math
import re

import pytest

from experiments.data.labels import LabelMapping, label_name
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
