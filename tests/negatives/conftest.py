"""A small in-memory grouped data set with negative lists of length 0, 1 and many."""

from __future__ import annotations

import pytest
from datasets import Dataset

from experiments.data.grouped import GroupedSplits, grouped_splits


def grouped_rows() -> dict[str, list]:
    return {
        "anchor": ["q0", "q1", "q2", "q3"],
        "positive": [["p0"], ["p1a", "p1b"], [], ["p3"]],
        "negative": [[], ["n1"], ["n2a", "n2b"], ["n3a", "n3b", "n3c", "n3d", "n3e", "n3f"]],
    }


@pytest.fixture
def grouped() -> GroupedSplits:
    dataset = Dataset.from_dict(grouped_rows())
    return grouped_splits({"train": dataset, "dev": dataset, "test": dataset}, name="toy")
