"""Data sources: each returns :class:`PairSplits` (labelled pairs) or :class:`GroupedSplits` from plain arguments."""

from __future__ import annotations

from experiments.data.grouped import GroupedSplits, grouped_splits, load_grouped
from experiments.data.splits import LABEL, TEXT_A, TEXT_B, PairSplits, class_counts, fingerprint
from experiments.data.wikiqa import load_wikiqa
from experiments.data.wikiqa_grouped import load_wikiqa_grouped

__all__ = [
    "LABEL",
    "TEXT_A",
    "TEXT_B",
    "GroupedSplits",
    "PairSplits",
    "class_counts",
    "fingerprint",
    "grouped_splits",
    "load_grouped",
    "load_wikiqa",
    "load_wikiqa_grouped",
]
