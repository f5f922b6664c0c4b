"""Fixed columns ``negative_1..negative_k`` for a multiple-negatives ranking loss."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from datasets import Dataset
from torch import nn

from experiments.data.grouped import ANCHOR, NEGATIVE, POSITIVE, group_pairs
from experiments.data.splits import column
from experiments.errors import ConfigurationError
from experiments.negatives.base import MULTIPLE_NEGATIVES_LOSSES, GroupedMode
from experiments.negatives.batching import UniqueAnchorBatchSampler
from experiments.sampling import EpochSampler

logger = logging.getLogger(__name__)

PAD_POLICIES = ("repeat", "empty", "drop")
COUNTS = ("padded", "truncated", "dropped_short", "dropped_no_positive", "dropped_no_negative")


def negative_columns(k: int) -> list[str]:
    return [f"negative_{position}" for position in range(1, k + 1)]


class FixedKNegatives(GroupedMode):
    """One row (anchor, positive, negative_1, ..., negative_k) per positive of every anchor.

    Lists longer than ``k`` keep their first ``k`` negatives (truncated); shorter ones follow ``pad``:

    - ``repeat`` (default): cycle through the anchor's own negatives (``[a, b]`` → ``a, b, a, b``).
      Every column is then a real negative of that anchor; a repeated negative only weighs more.
    - ``empty``: fill with ``""``, as in the workaround this mode comes from. The loss then learns,
      for every short list, that the empty string is a wrong answer: an easy negative that teaches
      nothing about the data and gives ``""`` a low score, and short lists get easier rows.
    - ``drop``: drop anchors with fewer than ``k`` negatives.

    Anchors without a positive (nothing to rank first) are dropped; so are anchors without any
    negative under ``repeat`` (nothing to repeat) and ``drop``. Every count is logged and kept in
    :attr:`stats`. Batches never hold one anchor twice (:class:`UniqueAnchorBatchSampler`), so a
    second positive of an anchor is never its in-batch negative.

    Args:
        k: number of negative columns.
        pad: ``repeat``, ``empty`` or ``drop``.
    """

    name = "fixed_k"
    loss_kind = "a multiple-negatives ranking loss reading (anchor, positive, negative_1..negative_k)"
    fitting_losses = "mnrl"

    def __init__(self, k: int = 4, pad: str = "repeat") -> None:
        super().__init__()
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ConfigurationError(f"negatives.k must be a positive integer, got {k!r}")
        if pad not in PAD_POLICIES:
            raise ConfigurationError(f"negatives.pad must be one of {list(PAD_POLICIES)}, got {pad!r}")
        self.k = k
        self.pad = pad

    def fits_loss(self, loss_type: type[nn.Module]) -> bool:
        return issubclass(loss_type, MULTIPLE_NEGATIVES_LOSSES)

    def epoch_sampler(self, sampler: EpochSampler, train: Dataset) -> EpochSampler:
        self.require_no_sampling(sampler)
        return sampler

    def batch_sampler(self, sampler: EpochSampler, **length_grouping: Any) -> Callable[..., Any]:
        return UniqueAnchorBatchSampler

    def fixed_negatives(self, negatives: list[str]) -> list[str] | None:
        """The ``k`` negatives of one anchor, or None when the anchor is dropped."""
        if len(negatives) >= self.k:
            return negatives[: self.k]
        if self.pad == "drop" or (self.pad == "repeat" and not negatives):
            return None
        if self.pad == "empty":
            return negatives + [""] * (self.k - len(negatives))
        return [negatives[position % len(negatives)] for position in range(self.k)]

    def train_dataset(self, train: Dataset) -> Dataset:
        grouped = group_pairs(train)
        columns = negative_columns(self.k)
        rows: dict[str, list[str]] = {ANCHOR: [], POSITIVE: [], **{column: [] for column in columns}}
        counts = dict.fromkeys(
            ("padded", "truncated", "dropped_short", "dropped_no_positive", "dropped_no_negative"), 0
        )
        anchors = zip(*(column(grouped, name) for name in (ANCHOR, POSITIVE, NEGATIVE)), strict=True)
        for anchor, positives, negatives in anchors:
            if not positives:
                counts["dropped_no_positive"] += 1
                continue
            fixed = self.fixed_negatives(negatives)
            if fixed is None:
                counts["dropped_no_negative" if not negatives else "dropped_short"] += 1
                continue
            if len(negatives) > self.k:
                counts["truncated"] += 1
            elif len(negatives) < self.k:
                counts["padded"] += 1
            for positive in positives:
                rows[ANCHOR].append(anchor)
                rows[POSITIVE].append(positive)
                for name, text in zip(columns, fixed, strict=True):
                    rows[name].append(text)
        if not rows[ANCHOR]:
            raise ConfigurationError(
                f"negatives=fixed_k (k={self.k}, pad={self.pad}) kept no training anchor of {len(grouped)}: {counts}; "
                "an anchor needs a positive, and a negative unless pad=empty"
            )
        self.stats.update({f"negatives_train_{key}": float(value) for key, value in counts.items()})
        self.stats["negatives_train_rows"] = float(len(rows[ANCHOR]))
        logger.info(
            "negatives=fixed_k k=%d pad=%s: %d anchors -> %d rows; padded %d, truncated %d, dropped %d "
            "(fewer than k: %d, no positive: %d, no negative: %d)",
            self.k,
            self.pad,
            len(grouped),
            len(rows[ANCHOR]),
            counts["padded"],
            counts["truncated"],
            counts["dropped_short"] + counts["dropped_no_positive"] + counts["dropped_no_negative"],
            counts["dropped_short"],
            counts["dropped_no_positive"],
            counts["dropped_no_negative"],
        )
        return Dataset.from_dict(rows)
