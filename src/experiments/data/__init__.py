"""Data sources: each returns :class:`PairSplits` from plain arguments."""

from __future__ import annotations

from experiments.data.splits import LABEL, TEXT_A, TEXT_B, PairSplits, class_counts, fingerprint
from experiments.data.wikiqa import load_wikiqa

__all__ = ["LABEL", "TEXT_A", "TEXT_B", "PairSplits", "class_counts", "fingerprint", "load_wikiqa"]
