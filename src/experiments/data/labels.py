"""The explicit label -> id mapping of a data set, built from its training labels, and label spellings.

A label cell is read as its text (:func:`label_name`), then normalised (:func:`canonical_label`): surrounding
whitespace goes, numeric spellings of one number (``1``, ``1.0``, `` 1``) become one class (``1``), and an empty
cell or the text of a missing value (``NaN``, ``None``, ...) is a missing label. What was merged is logged
(:func:`merged_spellings`); labels that differ only in case stop the run (:func:`check_case_variants`).
Booleans mixed with ``0`` / ``1`` in one label column are read as the numbers they stand for
(:func:`boolean_numbers`).
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from experiments.errors import ConfigurationError

_INTEGER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
"""A decimal number as text (``1``, ``-0.5``, ``1.``, ``1e3``)."""
MISSING_TEXTS = frozenset({"", "nan", "NaN", "NAN", "None", "null", "NULL", "<NA>"})
"""Texts that stand for a missing value (what pandas, Python, JSON and SQL write for one)."""


def label_name(value: Any) -> str | None:
    """The text a label is known by: strings as they are, ints as digits, booleans as ``false`` / ``true``.

    Integral floats (``1.0``, as pandas and Parquet may give) count as ints. None or NaN -> None (missing).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def canonical_label(value: Any) -> str | None:
    """The class a label cell names: :func:`label_name` without surrounding whitespace, one spelling per number.

    ``" 1"``, ``"1.0"``, ``"01"`` and ``1`` -> ``"1"``; ``"0.50"`` -> ``"0.5"``; ``""``, ``"NaN"``, ``"None"``,
    None and NaN -> None (missing).
    """
    name = label_name(value)
    if name is None:
        return None
    name = name.strip()
    if name in MISSING_TEXTS:
        return None
    if NUMBER.fullmatch(name):
        try:
            number = Decimal(name)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            return name
        if number == number.to_integral_value():
            return str(int(number))
        return format(number.normalize(), "f")
    return name


def canonical_labels(values: Iterable[Any]) -> list[str | None]:
    """:func:`canonical_label` of each value, worked out once per distinct value (a column holds few)."""
    known: dict[tuple[type, Any], str | None] = {}  # keyed by type too: True, 1 and 1.0 are equal dict keys
    labels: list[str | None] = []
    for value in values:
        try:
            key = (type(value), value)
            label = known[key] if key in known else known.setdefault(key, canonical_label(value))
        except TypeError:  # unhashable (a JSON list or object)
            label = canonical_label(value)
        labels.append(label)
    return labels


BOOLEAN_NUMBERS = {"false": "0", "true": "1"}
"""The number each boolean spelling (any case) stands for when a label column mixes them with ``0`` / ``1``."""


def boolean_numbers(labels: Iterable[str | None]) -> dict[str, str]:
    """Boolean label names -> ``"0"`` / ``"1"`` when the labels mix ``true`` / ``false`` with ``0`` / ``1`` and hold
    nothing else; empty otherwise (a column of booleans only keeps ``false`` / ``true``).

    ``true`` / ``1`` and ``false`` / ``0`` are one class each, as JSON ``true`` and ``1`` are one in Python.
    """
    names = {name for name in labels if name is not None}
    booleans = {name for name in names if name.casefold() in BOOLEAN_NUMBERS}
    numbers = names & set(BOOLEAN_NUMBERS.values())
    if not booleans or not numbers or names - booleans - numbers:
        return {}
    return {name: BOOLEAN_NUMBERS[name.casefold()] for name in sorted(booleans)}


def merged_spellings(raw: Sequence[Any], canonical: Sequence[str | None]) -> dict[str, Counter[str]]:
    """Per class whose cells were spelt more than one way or changed by normalising: spelling -> rows."""
    spellings: dict[str, Counter[str]] = {}
    for (spelling, name), count in Counter(zip(map(str, raw), canonical, strict=True)).items():
        if name is not None:
            spellings.setdefault(name, Counter())[spelling] += count
    return {name: counts for name, counts in spellings.items() if len(counts) > 1 or next(iter(counts)) != name}


def describe_merges(merges: dict[str, Counter[str]]) -> str:
    """``class '1': '1' x 40, ' 1' x 3, '1.0' x 2; class '0': ...`` for a log line."""
    return "; ".join(
        f"class {name!r}: " + ", ".join(f"{spelling!r} x {count}" for spelling, count in counts.most_common())
        for name, counts in sorted(merges.items(), key=lambda item: _sort_key(item[0]))
    )


def check_case_variants(labels: Sequence[str | None], source: str, column: str) -> None:
    """Stop when two labels differ only in case (``yes`` / ``Yes``), listing every label and its rows."""
    counts = Counter(label for label in labels if label is not None)
    folded: dict[str, list[str]] = {}
    for name in counts:
        folded.setdefault(name.casefold(), []).append(name)
    variants = [sorted(names) for names in folded.values() if len(names) > 1]
    if variants:
        listed = ", ".join(
            f"{name!r} ({counts[name]} row{'' if counts[name] == 1 else 's'})" for name in sorted(counts, key=_sort_key)
        )
        pairs = "; ".join(" / ".join(repr(name) for name in names) for names in variants)
        raise ConfigurationError(
            f"{source}: column {column!r} has labels that differ only in case ({pairs}), which look like "
            f"spellings of one label; the labels are {listed}. Fix the spelling in the file"
        )


def spelling_variants(names: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of label names that look like spellings of one label: equal but for case, whitespace or
    punctuation, or close enough to be a typo (``positive`` / ``postive``)."""

    def bare(name: str) -> str:
        return re.sub(r"[\W_]+", "", name.casefold())

    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            same = bare(first) == bare(second) and bare(first) != ""
            numbered = re.sub(r"\d", "", first) == re.sub(r"\d", "", second)  # label_1 / label_2, 10 / 11
            close = min(len(first), len(second)) >= 4 and not numbered
            if same or (close and difflib.SequenceMatcher(None, first, second).ratio() >= 0.85):
                pairs.append((first, second))
    return pairs


def _sort_key(name: str) -> tuple[int, int, str]:
    """Integer labels in numeric order (``2`` before ``10``), then the rest alphabetically."""
    return (0, int(name), "") if _INTEGER.fullmatch(name) else (1, 0, name)


@dataclass(frozen=True)
class LabelMapping:
    """Label name -> class id, in the order of ``names`` (id 0 first).

    Args:
        names: the label names, id order.
        origin: how the order was chosen, for error messages.
    """

    names: list[str]
    origin: str

    @classmethod
    def from_labels(cls, train_labels: Sequence[str], order: Sequence[Any] | None = None) -> LabelMapping:
        """``order`` when given (each training label must be in it, each entry must occur), else sorted."""
        seen = set(train_labels)
        if order is None:
            return cls(names=sorted(seen, key=_sort_key), origin="the sorted training labels")
        names = [canonical_label(value) for value in order]
        if None in names or len(set(names)) != len(names):
            raise ConfigurationError(f"data.label_order must list distinct, non-null labels, got {list(order)}")
        unused = [name for name in names if name not in seen]
        if unused:
            raise ConfigurationError(f"data.label_order lists {unused}, which no training row has")
        return cls(names=names, origin="data.label_order")  # type: ignore[arg-type]

    def encode(self, labels: Sequence[str | None], source: str, column: str) -> list[int]:
        """Class ids of ``labels``; a missing label or one outside the mapping is an error naming its row."""
        ids = {name: class_id for class_id, name in enumerate(self.names)}
        encoded = []
        for row, label in enumerate(labels, start=1):
            if label not in ids:
                got = "a missing label" if label is None else f"label {label!r}"
                raise ConfigurationError(
                    f"{source}: row {row}, column {column!r}: {got} is not in the label mapping {self.names} "
                    f"(from {self.origin})"
                )
            encoded.append(ids[label])
        return encoded
