from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from datasets import Dataset

from experiments.augmentation import MinorityAugmentation
from experiments.augmentation.operations import random_deletion, random_swap
from experiments.data.splits import PairSplits, class_counts
from experiments.errors import ConfigurationError


def splits(labels: list[int]) -> PairSplits:
    texts = [f"sentence number {i} has several words in it" for i in range(len(labels))]
    train = Dataset.from_dict({"sentence_a": ["q"] * len(labels), "sentence_b": texts, "label": labels})
    dev = Dataset.from_dict({"sentence_a": ["q"], "sentence_b": ["d"], "label": [1]})
    return PairSplits("toy", train, dev, dev, ["0", "1"])


def test_minority_grows_to_the_ratio_with_perturbed_copies():
    data = splits([0] * 40 + [1] * 4)
    augmentation = MinorityAugmentation(ratio=0.5, random_state=3)
    augmented = augmentation.apply(data)
    assert class_counts(augmented.train["label"], 2) == [40, 20]
    assert augmentation.summary() == {"augmented_rows_1": 16.0}
    originals = set(data.train["sentence_b"])
    copies = augmented.train["sentence_b"][44:]
    assert any(copy not in originals for copy in copies)
    for copy in copies:
        assert Counter(copy.split()) <= Counter(
            ["sentence", "number", "40", "has", "several", "words", "in", "it"]
        ) + Counter(str(i) for i in range(44))
    assert augmented.dev is data.dev and augmented.test is data.test
    assert augmented.train["sentence_b"][:44] == data.train["sentence_b"]


def test_same_seed_same_copies_and_other_seed_other_copies():
    data = splits([0] * 30 + [1] * 3)
    first = MinorityAugmentation(ratio=1.0, random_state=1).apply(data).train["sentence_b"]
    again = MinorityAugmentation(ratio=1.0, random_state=1).apply(data).train["sentence_b"]
    other = MinorityAugmentation(ratio=1.0, random_state=2).apply(data).train["sentence_b"]
    assert first == again and first != other


def test_operations_keep_words_and_never_empty_a_text():
    rng = np.random.default_rng(0)
    words = ["a", "b", "c", "d", "e"]
    assert sorted(random_swap(words, rng, 3)) == words
    assert random_deletion(words, rng, 0.999999) != []
    assert random_deletion(["only"], rng, 0.9) == ["only"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ratio": 0}, r"augmentation.ratio must be in \(0, 1\], got 0"),
        ({"delete_probability": 1.0}, r"augmentation.delete_probability must be in \[0, 1\), got 1.0"),
        ({"swap_share": -0.1}, r"augmentation.swap_share must be in \[0, 1\], got -0.1"),
    ],
)
def test_bad_settings_are_named(kwargs: dict[str, float], message: str):
    with pytest.raises(ConfigurationError, match=message):
        MinorityAugmentation(**kwargs)
