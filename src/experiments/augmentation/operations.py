"""Label-preserving text perturbations: random swap and random deletion of words (EDA without synonyms)."""

from __future__ import annotations

import numpy as np


def random_swap(words: list[str], rng: np.random.Generator, swaps: int) -> list[str]:
    """``swaps`` times, exchange two random positions."""
    words = list(words)
    if len(words) < 2:
        return words
    for _ in range(swaps):
        i, j = rng.choice(len(words), size=2, replace=False)
        words[i], words[j] = words[j], words[i]
    return words


def random_deletion(words: list[str], rng: np.random.Generator, probability: float) -> list[str]:
    """Drop each word with ``probability``, always keeping at least one."""
    if len(words) < 2:
        return list(words)
    kept = [word for word, draw in zip(words, rng.random(len(words)), strict=True) if draw >= probability]
    return kept or [words[int(rng.integers(len(words)))]]


def perturb(text: str, rng: np.random.Generator, swap_share: float, delete_probability: float) -> str:
    """One random swap pass (``swap_share`` of the word count, at least one swap) then random deletion.

    References:
        - Wei, Zou. EDA: Easy Data Augmentation Techniques for Boosting Performance on Text
          Classification Tasks. EMNLP 2019.
    """
    words = text.split()
    swapped = random_swap(words, rng, max(1, round(swap_share * len(words))))
    return " ".join(random_deletion(swapped, rng, delete_probability))
