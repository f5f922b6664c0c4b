"""MAP, MRR and nDCG@k per query: standard values without ties, the mean over orders with them."""

from __future__ import annotations

from itertools import pairwise, permutations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, ndcg_score

from experiments.evaluation.ranking import ranking_metrics


def _ordered_metrics(ranked: np.ndarray, k: int) -> tuple[float, float, float]:
    """AP, reciprocal rank and nDCG@k of one fixed ranking (labels from the top down)."""
    positions = np.arange(1, len(ranked) + 1)
    average_precision = float(np.sum(np.cumsum(ranked) / positions * ranked) / ranked.sum())
    reciprocal_rank = 1.0 / float(np.argmax(ranked) + 1)
    discounts = 1.0 / np.log2(positions + 1)
    ideal = np.sort(ranked)[::-1]
    ndcg = float(np.sum((ranked * discounts)[:k]) / np.sum((ideal * discounts)[:k]))
    return average_precision, reciprocal_rank, ndcg


def _mean_over_orders(scores: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Every ranking the scores allow (ties in any order), each counted once, averaged."""
    rankings = [
        _ordered_metrics(labels[list(order)], k)
        for order in permutations(range(len(scores)))
        if all(scores[a] >= scores[b] for a, b in pairwise(order))
    ]
    return np.mean(rankings, axis=0)


def test_without_ties_the_metrics_are_scikit_learns():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1])
    labels = np.array([0, 1, 0, 1, 1, 0, 0])
    metrics = ranking_metrics(scores, labels, ["q"] * 7, k=3)
    assert metrics["map"] == pytest.approx(average_precision_score(labels, scores))
    assert metrics["mrr"] == pytest.approx(0.5)
    assert metrics["ndcg_at_3"] == pytest.approx(ndcg_score([labels], [scores], k=3))


def test_a_model_scoring_every_pair_alike_gets_a_random_rankings_map_not_the_files_order():
    labels = np.array([1, 0, 0, 0, 0])  # the file lists the correct answer first
    metrics = ranking_metrics(np.full(5, 0.5), labels, ["q"] * 5, k=3)
    assert metrics["map"] == pytest.approx(np.mean(1 / np.arange(1, 6)))  # one positive, uniformly placed
    assert metrics["mrr"] == pytest.approx(metrics["map"])
    assert metrics["map"] < 0.5


@pytest.mark.parametrize("seed", range(12))
def test_tied_scores_give_the_mean_over_every_order_of_the_ties(seed: int):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 8))
    scores = rng.integers(0, 3, size).astype(float)  # three levels: many ties
    labels = rng.integers(0, 2, size)
    labels[0], labels[-1] = 1, 0  # at least one of each
    expected = _mean_over_orders(scores, labels, k=3)
    metrics = ranking_metrics(scores, labels, ["q"] * size, k=3)
    assert [metrics["map"], metrics["mrr"], metrics["ndcg_at_3"]] == pytest.approx(list(expected))


def test_queries_are_averaged_and_one_class_queries_skipped():
    scores = np.array([0.9, 0.1, 0.2, 0.8, 0.5, 0.4])
    labels = np.array([1, 0, 1, 0, 1, 1])
    metrics = ranking_metrics(scores, labels, ["a", "a", "b", "b", "c", "c"], k=10)
    assert metrics["ranked_groups"] == 2.0  # "c" has no wrong answer
    assert metrics["map"] == pytest.approx((1.0 + 0.5) / 2)
    assert metrics["mrr"] == pytest.approx((1.0 + 0.5) / 2)
