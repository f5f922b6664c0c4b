"""Start-up checks shared by the losses: does the loss fit the head and the data, are its settings in range."""

from __future__ import annotations

from collections.abc import Sequence

from experiments.errors import ConfigurationError

BINARY_HEADS = "head=binary_sigmoid or head=binary_softmax"


def head_name(num_labels: int) -> str:
    """The head config option that gives a CrossEncoder ``num_labels`` logits."""
    return {1: "binary_sigmoid", 2: "binary_softmax"}.get(num_labels, "multiclass")


def check_class_counts(loss: str, num_labels: int, class_counts: Sequence[int]) -> list[int]:
    """The per-class training counts as ints, checked against the head before training.

    Raises:
        ConfigurationError: the counts do not match the head's ``num_labels``, or a class has no rows.
    """
    counts = [int(count) for count in class_counts]
    num_classes = len(counts)
    expected = 2 if num_labels == 1 else num_labels
    if num_classes != expected:
        fits = BINARY_HEADS if num_classes == 2 else "head=multiclass"
        raise ConfigurationError(
            f"loss={loss} with head={head_name(num_labels)} (num_labels={num_labels}) needs {expected} classes, "
            f"but the training data has {num_classes} (class_counts={counts}); use {fits}"
        )
    if any(count < 0 for count in counts):
        raise ConfigurationError(f"loss={loss}: class counts must not be negative, got {counts}")
    missing = [class_id for class_id, count in enumerate(counts) if count == 0]
    if missing:
        raise ConfigurationError(
            f"loss={loss}: class id(s) {missing} have no training rows (class_counts={counts}); "
            "their weight or prior would be infinite"
        )
    return counts


def check_range(
    loss: str,
    key: str,
    value: float,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = True,
) -> float:
    """``value`` as a float, or a ConfigurationError naming ``loss.key`` and the allowed interval."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"loss={loss}: {key} must be a number, got {value!r}") from None
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if below or above or number != number:
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        interval = f"{left}{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}{right}"
        raise ConfigurationError(f"loss={loss}: {key} must be in {interval}, got {value!r}")
    return number
