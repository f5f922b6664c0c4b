"""The test split, scored once at the end of a run with the thresholds chosen on dev (never re-tuned on test)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.data.splits import DEV
from experiments.evaluation.evaluator import PairClassificationEvaluator
from experiments.evaluation.metrics import binary_metrics_at, multiclass_metrics
from experiments.evaluation.ranking import ranking_metrics
from experiments.evaluation.thresholds import THRESHOLD_METRICS
from experiments.precision import autocast

if TYPE_CHECKING:  # a calibrator is handed in; fitting one (calibration/) uses this package
    from experiments.calibration.base import Calibrator

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeldOutScores:
    """A split scored at the end of a run: the head's logits, its probabilities before and after calibration
    (``uncalibrated``, ``scores``) and the metrics of ``scores``."""

    logits: np.ndarray
    uncalibrated: np.ndarray
    scores: np.ndarray
    metrics: dict[str, float]


def metrics_at_dev_thresholds(
    evaluator: PairClassificationEvaluator,
    scores: np.ndarray,
    best: Mapping[str, float],
    beta: float,
    threshold_metric: str,
) -> dict[str, float]:
    """The metrics of ``scores`` at the thresholds ``best`` holds (``dev_<metric>_threshold``, chosen on dev).

    Binary heads get the threshold metrics and, with ``evaluator.groups``, MAP / MRR / nDCG@10; multiclass
    heads get their argmax metrics.
    """
    if not evaluator.head.binary:
        return multiclass_metrics(scores, evaluator.labels, evaluator.label_names)
    thresholds = {metric: best[f"{DEV}_{metric}_threshold"] for metric in THRESHOLD_METRICS}
    metrics = binary_metrics_at(scores, evaluator.labels, thresholds, beta, threshold_metric)
    if evaluator.groups is not None:
        metrics.update(ranking_metrics(scores, evaluator.labels, evaluator.groups))
    return metrics


def score_test_split(
    model: CrossEncoder,
    evaluator: PairClassificationEvaluator,
    calibrator: Calibrator,
    best: Mapping[str, float],
    precision: str,
) -> HeldOutScores:
    """Score ``evaluator``'s pairs with ``model`` in ``precision``, calibrate, and measure at ``best``'s thresholds.

    ``best`` is the tested epoch's record (its dev thresholds on calibrated scores); β, the threshold
    metric and the batch size are the evaluator's.
    """
    logger.info(
        "scoring %s (%s pairs) at epoch %d ...", evaluator.name, f"{len(evaluator.pairs):,}", int(best["epoch"])
    )
    with autocast(precision, model.device.type):
        logits = evaluator.head.class_logits(model, evaluator.pairs, evaluator.batch_size)
    scores = calibrator.transform(logits)
    metrics = metrics_at_dev_thresholds(evaluator, scores, best, evaluator.beta, evaluator.threshold_metric)
    return HeldOutScores(logits, evaluator.head.probabilities(logits), scores, metrics)
