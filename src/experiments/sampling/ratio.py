"""The ``ratio`` of the resampling strategies: its check, and the per-class sizes it gives.

``ratio`` is always minority/majority after resampling, in (0, 1]; 1.0 means balanced. Sizes are
rounded towards balance: up when oversampling, down when undersampling, so the result is never
less balanced than asked.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)

_DIGITS = 9  # 0.1 * 30 is 3.0000000000000004 in floating point; round before ceil/floor
FEW_ROWS = 10
"""Undersampling to a class with fewer training rows than this is logged as a warning (:func:`warn_if_few_kept`)."""


def check_ratio(ratio: object, strategy: str, too_large: str) -> float:
    """``ratio`` as a float in (0, 1], else a :class:`ConfigurationError` naming ``sampling.ratio``.

    Args:
        ratio: the configured value.
        strategy: ``oversampling`` or ``undersampling``, for the message.
        too_large: why a ratio above 1 makes no sense for this strategy.
    """
    expected = f"sampling.ratio must be in (0, 1] (minority/majority after {strategy}, 1.0 = balanced), got {ratio!r}"
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not math.isfinite(ratio):
        raise ConfigurationError(expected)
    if ratio <= 0:
        raise ConfigurationError(f"{expected}: a ratio <= 0 keeps no minority rows")
    if ratio > 1:
        raise ConfigurationError(f"{expected}: {too_large}")
    return float(ratio)


def oversampled_sizes(counts: Sequence[int], ratio: float) -> list[int]:
    """Rows per class after oversampling: ``max(n_k, ceil(ratio * n_largest))``.

    Every class smaller than ``ratio`` times the largest class grows to that size; the others keep their rows.
    """
    target = math.ceil(round(ratio * max(counts), _DIGITS))
    return [max(int(count), target) for count in counts]


def undersampled_sizes(counts: Sequence[int], ratio: float) -> list[int]:
    """Rows per class after undersampling: ``min(n_k, floor(n_smallest / ratio))``.

    Every class larger than the smallest class divided by ``ratio`` shrinks to that size; the others keep their rows.
    """
    target = math.floor(round(min(counts) / ratio, _DIGITS))
    return [min(int(count), target) for count in counts]


def warn_if_few_kept(option: str, counts: Sequence[int], kept: Sequence[int]) -> None:
    """Warn when undersampling cuts the classes down to a class of fewer than :data:`FEW_ROWS` rows.

    Args:
        option: the sampling option, for the message (``rotating``, ``under``).
        counts: training rows per class.
        kept: rows per class an epoch trains on.
    """
    smallest = min(range(len(counts)), key=lambda class_id: counts[class_id])
    if counts[smallest] >= FEW_ROWS or list(kept) == list(counts):
        return
    logger.warning(
        "sampling=%s: class id %d has %d training row%s, so every epoch trains on %d of the %d training rows "
        "(rows per class %s -> %s); an epoch that small learns next to nothing: use sampling=over or sampling=none, "
        "a smaller sampling.ratio, or more rows of that class",
        option, smallest, counts[smallest], "" if counts[smallest] == 1 else "s", sum(kept), sum(counts),
        list(map(int, counts)), list(map(int, kept)),
    )  # fmt: skip
