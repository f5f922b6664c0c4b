"""The variable-length list as it is, for a listwise ranking loss (ListNet, LambdaLoss, ListMLE)."""

from __future__ import annotations

import logging
from typing import Any

from datasets import Dataset
from sentence_transformers.base.sampler import BatchSamplers
from torch import nn

from experiments.data.grouped import ANCHOR, NEGATIVE, POSITIVE, group_pairs
from experiments.data.splits import column
from experiments.errors import ConfigurationError
from experiments.negatives.base import LISTWISE_LOSSES, GroupedMode
from experiments.sampling import EpochSampler

logger = logging.getLogger(__name__)


class ListwiseNegatives(GroupedMode):
    """One row per anchor: (query, [positives..., negatives...], [1..., 0...]), lists of any length.

    Positives come first, so the input order is an ideal ranking (what ListMLE's
    ``respect_input_order`` reads). Anchors without a positive give the loss no ranking to learn
    and are dropped, counted and logged; anchors without a negative are kept.

    Args:
        max_docs: keep at most this many documents per anchor (positives first, then the first
            negatives), to bound the pairs per batch; None keeps all. Cut lists are counted.
    """

    name = "listwise"
    loss_kind = "a listwise ranking loss reading (query, [documents], [labels])"
    fitting_losses = "listnet, lambdaloss, listmle"

    def __init__(self, max_docs: int | None = None) -> None:
        super().__init__()
        if max_docs is not None and (not isinstance(max_docs, int) or isinstance(max_docs, bool) or max_docs < 2):
            raise ConfigurationError(f"negatives.max_docs must be an integer of 2 or more, or null; got {max_docs!r}")
        self.max_docs = max_docs

    def fits_loss(self, loss_type: type[nn.Module]) -> bool:
        return issubclass(loss_type, LISTWISE_LOSSES)

    def epoch_sampler(self, sampler: EpochSampler, train: Dataset) -> EpochSampler:
        self.require_no_sampling(sampler)
        return sampler

    def batch_sampler(self, sampler: EpochSampler, **length_grouping: Any) -> Any:
        return BatchSamplers.BATCH_SAMPLER

    def train_dataset(self, train: Dataset) -> Dataset:
        grouped = group_pairs(train)
        rows: dict[str, list[Any]] = {"query": [], "docs": [], "labels": []}
        dropped = truncated = 0
        anchors = zip(*(column(grouped, name) for name in (ANCHOR, POSITIVE, NEGATIVE)), strict=True)
        for anchor, positives, negatives in anchors:
            if not positives:
                dropped += 1
                continue
            docs = positives + negatives
            labels = [1] * len(positives) + [0] * len(negatives)
            if self.max_docs is not None and len(docs) > self.max_docs:
                truncated += 1
                docs, labels = docs[: self.max_docs], labels[: self.max_docs]
            rows["query"].append(anchor)
            rows["docs"].append(docs)
            rows["labels"].append(labels)
        if not rows["query"]:
            raise ConfigurationError(
                f"negatives=listwise: none of the {len(grouped)} training anchors has a positive; nothing to rank"
            )
        self.stats.update(
            negatives_train_dropped_no_positive=float(dropped),
            negatives_train_truncated=float(truncated),
            negatives_train_rows=float(len(rows["query"])),
        )
        logger.info(
            "negatives=listwise: %d anchors -> %d lists; dropped %d without a positive, cut %d to max_docs=%s",
            len(grouped),
            len(rows["query"]),
            dropped,
            truncated,
            self.max_docs,
        )
        return Dataset.from_dict(rows)
