"""Data sources: each returns :class:`PairSplits` (labelled pairs) or :class:`GroupedSplits` from plain arguments.

``load_files`` (local CSV / TSV / JSON lines / Parquet) and ``load_hub`` (a ``datasets`` hub name or a folder
saved with ``save_to_disk``) share one reader (:mod:`.tables`) and one assembly (:mod:`.assembly`): column
mapping, an explicit label mapping (:mod:`.labels`), optional duplicate filtering, carving and row limits.
Only the training data is required: a missing test split is carved from train first (``test_fraction``), then a
missing dev split (``dev_fraction``), both stratified by label and seeded with ``split_seed``, which stays fixed
across run seeds so that every run of a sweep is tested on the same rows. The ``snli`` / ``mnli`` presets
carve all three splits from the one file at hand. ``load_wikiqa`` reads the embedded WikiQA through
``load_files``.
"""

from __future__ import annotations

from experiments.data.files import load_files
from experiments.data.grouped import GroupedSplits, grouped_splits, load_grouped
from experiments.data.hub import load_hub
from experiments.data.labels import LabelMapping
from experiments.data.splits import LABEL, TEXT_A, TEXT_B, PairSplits, class_counts, fingerprint
from experiments.data.wikiqa import load_wikiqa
from experiments.data.wikiqa_grouped import load_wikiqa_grouped

__all__ = [
    "LABEL",
    "TEXT_A",
    "TEXT_B",
    "GroupedSplits",
    "LabelMapping",
    "PairSplits",
    "class_counts",
    "fingerprint",
    "grouped_splits",
    "load_files",
    "load_grouped",
    "load_hub",
    "load_wikiqa",
    "load_wikiqa_grouped",
]
