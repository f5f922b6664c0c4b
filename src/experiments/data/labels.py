"""The explicit label -> id mapping of a data set, built from its training labels."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from experiments.errors import ConfigurationError

_INTEGER = re.compile(r"[+-]?\d+")


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
        names = [label_name(value) for value in order]
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
