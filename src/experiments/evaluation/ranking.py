"""Answer-selection metrics (MAP, MRR, nDCG@k) per query, exact under tied scores.

A tie is scored as the mean over every order of the tied pairs (McSherry & Najork, "Computing Information
Retrieval Performance Measures Efficiently in the Presence of Tied Scores", ECIR 2008). Breaking ties by row
order instead would reward a model that scores everything alike whenever the file lists correct answers first:
on WikiQA such a model gets MAP 1.0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import comb

import numpy as np


@dataclass(frozen=True)
class TiedBlock:
    """Pairs sharing one score: ranks ``before + 1 .. before + size``, ``positives`` of them correct."""

    before: int
    size: int
    positives: int
    positives_before: int


def tied_blocks(scores: np.ndarray, labels: np.ndarray) -> Iterator[TiedBlock]:
    """The query's pairs from the highest score down, equal scores grouped."""
    order = np.argsort(-scores, kind="stable")
    ranked_scores, ranked_labels = scores[order], labels[order]
    starts = np.flatnonzero(np.r_[True, ranked_scores[1:] != ranked_scores[:-1]])
    ends = np.r_[starts[1:], len(ranked_scores)]
    positives_before = 0
    for start, end in zip(starts, ends, strict=True):
        positives = int(ranked_labels[start:end].sum())
        yield TiedBlock(int(start), int(end - start), positives, positives_before)
        positives_before += positives


def average_precision(blocks: Sequence[TiedBlock]) -> float:
    """Expected AP: rank j of a block holds a positive with chance r/t, then the hits above it are expected to be
    c + 1 + (j - before - 1)(r - 1)/(t - 1)."""
    total = 0.0
    for block in blocks:
        if not block.positives:
            continue
        share = block.positives / block.size
        pairs_above = np.arange(block.size)
        same_block_hits = pairs_above * (block.positives - 1) / (block.size - 1) if block.size > 1 else 0.0
        ranks = block.before + 1 + pairs_above
        total += float(np.sum(share * (block.positives_before + 1 + same_block_hits) / ranks))
    return total / sum(block.positives for block in blocks)


def reciprocal_rank(blocks: Sequence[TiedBlock]) -> float:
    """Expected 1 / rank of the first positive: in its block, offset m with chance C(t - m, r - 1) / C(t, r)."""
    block = next(block for block in blocks if block.positives)
    orders = comb(block.size, block.positives)
    offsets = range(1, block.size - block.positives + 2)
    return sum(comb(block.size - m, block.positives - 1) / orders / (block.before + m) for m in offsets)


def ndcg(blocks: Sequence[TiedBlock], k: int) -> float:
    """Expected nDCG@k with binary gains: every rank of a block holds a positive with chance r/t."""
    gains = np.concatenate([np.full(block.size, block.positives / block.size) for block in blocks])
    discounts = 1.0 / np.log2(np.arange(2, len(gains) + 2))
    ideal = (np.arange(len(gains)) < sum(block.positives for block in blocks)).astype(float)
    return float(np.sum((gains * discounts)[:k]) / np.sum((ideal * discounts)[:k]))


def ranking_metrics(scores: np.ndarray, labels: np.ndarray, groups: Sequence[str], k: int = 10) -> dict[str, float]:
    """MAP, MRR and nDCG@k (``ndcg_at_k``) over the groups (queries) with at least one positive and one negative pair.

    These are the answer-selection metrics of the WikiQA papers; tied scores count as the mean over their orders.
    """
    rows_by_group: dict[str, list[int]] = defaultdict(list)
    for row, group in enumerate(groups):
        rows_by_group[group].append(row)
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels).astype(int)
    average_precisions, reciprocal_ranks, ndcgs = [], [], []
    for rows in rows_by_group.values():
        group_labels = labels[rows]
        if group_labels.min() == group_labels.max():
            continue
        blocks = list(tied_blocks(scores[rows], group_labels))
        average_precisions.append(average_precision(blocks))
        reciprocal_ranks.append(reciprocal_rank(blocks))
        ndcgs.append(ndcg(blocks, k))
    if not average_precisions:
        return {}
    return {
        "map": float(np.mean(average_precisions)),
        "mrr": float(np.mean(reciprocal_ranks)),
        f"ndcg_at_{k}": float(np.mean(ndcgs)),
        "ranked_groups": float(len(average_precisions)),
    }
