"""Data sources: each returns :class:`PairSplits` from plain arguments."""

from __future__ import annotations

from experiments.data.files import load_files
from experiments.data.hub import load_hub
from experiments.data.labels import LabelMapping
from experiments.data.splits import LABEL, TEXT_A, TEXT_B, PairSplits, class_counts, fingerprint
from experiments.data.wikiqa import load_wikiqa

__all__ = [
    "LABEL",
    "TEXT_A",
    "TEXT_B",
    "LabelMapping",
    "PairSplits",
    "class_counts",
    "fingerprint",
    "load_files",
    "load_hub",
    "load_wikiqa",
]
