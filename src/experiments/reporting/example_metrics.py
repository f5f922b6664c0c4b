"""A run's test metrics recomputed from its saved test scores under many weightings of the test examples at once.

A bootstrap resample of the test set is a vector of counts, one per unit (how often each pair, or each question
for the ranking metrics, was drawn). Every metric here is computed for a whole matrix of such counts
(resamples × units) in a few array operations, so that 10,000 resamples of a 6,000-pair test set take about a
second. With every count 1 the value is the metric the run logged (:mod:`experiments.evaluation.metrics`,
:mod:`experiments.evaluation.ranking`), to the last digit. Written by hand: scikit-learn scores one weighting at
a time (``sample_weight``), which is 10,000 times slower here.

Units: pairs for the pair metrics; for MAP, MRR and nDCG@k the questions with at least one correct and one wrong
pair (the groups :func:`~experiments.evaluation.ranking.ranking_metrics` averages over).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import numpy as np

from experiments.data.splits import class_keys
from experiments.evaluation.metrics import ECE_BINS
from experiments.evaluation.ranking import average_precision, ndcg, reciprocal_rank, tied_blocks
from experiments.evaluation.test_scores import TestScores

BINARY_AT_THRESHOLD = ("accuracy", "f1", "fbeta", "mcc")
BINARY_AT_DECISION = ("precision", "recall", "balanced_accuracy")
BINARY_FREE = ("average_precision", "roc_auc", "ece", "brier")
MULTICLASS = ("accuracy", "f1_macro", "f1_weighted", "balanced_accuracy", "mcc", "ece", "brier")
RANKING = re.compile(r"map|mrr|ndcg_at_(\d+)")
# A C-class confusion matrix per resample has C² cells; past this many classes the matrix is too large to hold.
MAX_CLASSES = 40

Values = Callable[[np.ndarray], np.ndarray]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's ``zero_division=0``)."""
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def is_ranking(metric: str) -> bool:
    return RANKING.fullmatch(metric) is not None


def unit_name(metric: str) -> str:
    return "questions" if is_ranking(metric) else "pairs"


def supported(scores: TestScores, metric: str) -> bool:
    """Whether ``metric`` (without its ``test_`` prefix) can be recomputed from ``scores``."""
    try:
        _values_function(scores, metric)
    except KeyError:
        return False
    return True


def units(scores: TestScores, metric: str) -> int:
    """How many units (pairs, or ranked questions) a resample of ``metric`` draws."""
    return len(_ranked_groups(scores)[0]) if is_ranking(metric) else len(scores.labels)


def metric_values(scores: TestScores, metric: str, counts: np.ndarray) -> np.ndarray:
    """``metric`` for every row of ``counts`` (resamples × units: how often each unit is drawn); shape (resamples,).

    Raises:
        KeyError: the metric cannot be recomputed from the saved scores (see :func:`supported`).
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    return _values_function(scores, metric)(counts)


def _values_function(scores: TestScores, metric: str) -> Values:
    if is_ranking(metric):
        return _ranking(scores, metric)
    if scores.binary:
        return _binary(scores, metric)
    return _multiclass(scores, metric)


def _calibration(confidence: np.ndarray, outcome: np.ndarray, metric: str, brier: np.ndarray) -> Values:
    if metric == "brier":
        return lambda counts: counts @ brier / counts.sum(axis=1)
    index = np.clip(np.ceil(confidence * ECE_BINS).astype(int) - 1, 0, ECE_BINS - 1)
    gaps = np.zeros((len(confidence), ECE_BINS))
    gaps[np.arange(len(confidence)), index] = confidence - outcome
    return lambda counts: np.abs(counts @ gaps).sum(axis=1) / counts.sum(axis=1)


def _binary(scores: TestScores, metric: str) -> Values:
    probabilities = np.asarray(scores.scores, dtype=np.float64)
    labels = np.asarray(scores.labels).astype(bool)
    if metric in ("ece", "brier"):
        return _calibration(probabilities, labels.astype(float), metric, (probabilities - labels) ** 2)
    if metric in ("average_precision", "roc_auc"):
        return _ranked_by_score(probabilities, labels, metric)
    threshold_metric = metric if metric in BINARY_AT_THRESHOLD else scores.threshold_metric
    if metric not in (*BINARY_AT_THRESHOLD, *BINARY_AT_DECISION) or threshold_metric not in scores.thresholds:
        raise KeyError(metric)
    predicted = probabilities > scores.thresholds[threshold_metric]
    cells = np.stack([labels & predicted, ~labels & predicted, labels & ~predicted, ~labels & ~predicted], axis=1)
    beta2 = scores.beta**2

    def values(counts: np.ndarray) -> np.ndarray:
        tp, fp, fn, tn = (counts @ cells.astype(np.float64)).T
        if metric == "accuracy":
            return _ratio(tp + tn, tp + fp + fn + tn)
        if metric == "f1":
            return _ratio(2 * tp, 2 * tp + fp + fn)
        if metric == "fbeta":
            return _ratio((1 + beta2) * tp, (1 + beta2) * tp + beta2 * fn + fp)
        if metric == "mcc":
            return _ratio(tp * tn - fp * fn, np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
        if metric == "precision":
            return _ratio(tp, tp + fp)
        if metric == "recall":
            return _ratio(tp, tp + fn)
        recalls = np.stack([_ratio(tp, tp + fn), _ratio(tn, tn + fp)])  # balanced accuracy: over present classes
        present = np.stack([tp + fn > 0, tn + fp > 0])
        return (recalls * present).sum(axis=0) / np.maximum(present.sum(axis=0), 1)

    return values


def _ranked_by_score(probabilities: np.ndarray, labels: np.ndarray, metric: str) -> Values:
    """Average precision (scikit-learn's step sum) or ROC AUC (trapezoids) over the distinct scores, highest first."""
    order = np.argsort(-probabilities, kind="stable")
    ranked = probabilities[order]
    ends = np.r_[np.flatnonzero(ranked[1:] != ranked[:-1]), len(ranked) - 1]
    positive = labels[order].astype(np.float64)

    def values(counts: np.ndarray) -> np.ndarray:
        weights = counts[:, order]
        true_positives = np.cumsum(weights * positive, axis=1)[:, ends]
        false_positives = np.cumsum(weights * (1 - positive), axis=1)[:, ends]
        positives, negatives = true_positives[:, -1:], false_positives[:, -1:]
        recall = _ratio(true_positives, positives)
        if metric == "average_precision":
            precision = _ratio(true_positives, true_positives + false_positives)
            steps = np.diff(recall, axis=1, prepend=0.0)
            return np.where(positives[:, 0] > 0, (steps * precision).sum(axis=1), np.nan)
        fallout = _ratio(false_positives, negatives)
        recall, fallout = np.pad(recall, ((0, 0), (1, 0))), np.pad(fallout, ((0, 0), (1, 0)))
        area = (np.diff(fallout, axis=1) * (recall[:, 1:] + recall[:, :-1]) / 2).sum(axis=1)
        return np.where((positives[:, 0] > 0) & (negatives[:, 0] > 0), area, np.nan)

    return values


def _multiclass(scores: TestScores, metric: str) -> Values:
    probabilities = np.asarray(scores.scores, dtype=np.float64)
    labels = np.asarray(scores.labels).astype(int)
    classes = probabilities.shape[1]
    predicted = probabilities.argmax(axis=1)
    if metric in ("ece", "brier"):
        brier = ((probabilities - np.eye(classes)[labels]) ** 2).sum(axis=1)
        return _calibration(probabilities.max(axis=1), (predicted == labels).astype(float), metric, brier)
    per_class = {
        f"{kind}_{key}": (kind, k) for k, key in enumerate(class_keys(scores.label_names))
        for kind in ("precision", "recall", "f1")
    }  # fmt: skip
    if (metric not in MULTICLASS and metric not in per_class) or classes > MAX_CLASSES:
        raise KeyError(metric)
    cells = np.zeros((len(labels), classes * classes))
    cells[np.arange(len(labels)), labels * classes + predicted] = 1.0

    def values(counts: np.ndarray) -> np.ndarray:
        matrix = (counts @ cells).reshape(len(counts), classes, classes)  # rows: true class, columns: predicted
        hits = np.diagonal(matrix, axis1=1, axis2=2)
        support, guessed, total = matrix.sum(axis=2), matrix.sum(axis=1), matrix.sum(axis=(1, 2))
        precision, recall = _ratio(hits, guessed), _ratio(hits, support)
        f1 = _ratio(2 * hits, support + guessed)
        if metric in per_class:
            kind, k = per_class[metric]
            return {"precision": precision, "recall": recall, "f1": f1}[kind][:, k]
        if metric == "accuracy":
            return _ratio(hits.sum(axis=1), total)
        if metric == "f1_macro":
            return f1.mean(axis=1)
        if metric == "f1_weighted":
            return _ratio((f1 * support).sum(axis=1), support.sum(axis=1))
        if metric == "balanced_accuracy":
            present = support > 0
            return (recall * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)
        covariance = hits.sum(axis=1) * total - (guessed * support).sum(axis=1)  # MCC, as scikit-learn's
        spread = (total**2 - (guessed**2).sum(axis=1)) * (total**2 - (support**2).sum(axis=1))
        return _ratio(covariance, np.sqrt(spread))

    return values


def _ranked_groups(scores: TestScores) -> tuple[list[str], list[np.ndarray]]:
    """The questions with at least one correct and one wrong pair (sorted ids) and the rows of each."""
    groups = tuple(map(str, scores.groups)) if scores.groups is not None else ()
    return _groups_of(groups, np.asarray(scores.labels, dtype=np.int64).tobytes())


@cache
def _groups_of(groups: tuple[str, ...], labels_bytes: bytes) -> tuple[list[str], list[np.ndarray]]:
    labels = np.frombuffer(labels_bytes, dtype=np.int64)
    ids, inverse = np.unique(np.asarray(groups), return_inverse=True)
    rows = [np.flatnonzero(inverse == k) for k in range(len(ids))]
    kept = [k for k, members in enumerate(rows) if labels[members].min() != labels[members].max()]
    return [str(ids[k]) for k in kept], [rows[k] for k in kept]


def _ranking(scores: TestScores, metric: str) -> Values:
    if scores.groups is None or not scores.binary:
        raise KeyError(metric)
    probabilities = np.asarray(scores.scores, dtype=np.float64)
    labels = np.asarray(scores.labels).astype(int)
    match = RANKING.fullmatch(metric)
    assert match is not None
    per_question = []
    for rows in _ranked_groups(scores)[1]:
        blocks = list(tied_blocks(probabilities[rows], labels[rows]))
        if metric == "map":
            per_question.append(average_precision(blocks))
        elif metric == "mrr":
            per_question.append(reciprocal_rank(blocks))
        else:
            per_question.append(ndcg(blocks, int(match.group(1))))
    values = np.asarray(per_question)
    return lambda counts: _ratio(counts @ values, counts.sum(axis=1))
