"""The calibration step of a run: fit on dev at the best epoch, re-choose the thresholds on calibrated scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sentence_transformers.cross_encoder import CrossEncoder
from torch import nn

from experiments.calibration.base import Calibrator, ClassCounts
from experiments.evaluation.evaluator import PairClassificationEvaluator
from experiments.evaluation.metrics import calibration_metrics
from experiments.losses.priors import effective_class_counts

UNCALIBRATED = "uncalibrated"


@dataclass(frozen=True)
class Calibration:
    """A calibrator fitted on dev, and the best epoch's record with its dev metrics on calibrated scores.

    ``best`` is the best epoch's history record with every ``dev_*`` metric recomputed on the calibrated
    dev scores: the thresholds (``dev_f1_threshold``, ...) are re-chosen there, so the test metrics and the
    saved model decide on calibrated scores. ``dev_scores`` / ``dev_scores_uncalibrated`` are the best
    epoch's dev probabilities after and before.
    """

    calibrator: Calibrator
    best: dict[str, float]
    dev_scores: np.ndarray
    dev_scores_uncalibrated: np.ndarray


def uncalibrated_metrics(prefix: str, scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """``<prefix>_ece_uncalibrated`` and ``<prefix>_brier_uncalibrated``: the before of before / after."""
    return {f"{prefix}_{key}_{UNCALIBRATED}": value for key, value in calibration_metrics(scores, labels).items()}


def fit_calibration(
    calibrator: Calibrator,
    model: CrossEncoder,
    dev_evaluator: PairClassificationEvaluator,
    best: dict[str, float],
    loss: nn.Module,
    trained_counts: Sequence[float],
    data_counts: Sequence[float],
) -> Calibration:
    """Fit ``calibrator`` on the dev logits of the best epoch and recompute the dev metrics on its output.

    The logits are those the evaluator kept for the best epoch; where it has none (a resumed run whose
    best epoch came before the resume), dev is scored again with ``model``, the best epoch's model.
    ``trained_counts`` (rows per class of an epoch, after sampling) are weighed as ``loss`` weighs them
    (:func:`~experiments.losses.priors.effective_class_counts`); ``data_counts`` are the training data's.
    """
    epoch = int(best["epoch"])
    head = dev_evaluator.head
    logits = dev_evaluator.logits_by_epoch.get(epoch)
    if logits is None:
        logits = head.class_logits(model, dev_evaluator.pairs, dev_evaluator.batch_size)
    class_counts = ClassCounts(effective_class_counts(loss, trained_counts), data_counts)
    calibrator.fit(logits, dev_evaluator.labels, class_counts)
    scores = calibrator.transform(logits)
    dev = dev_evaluator.compute_metrics(scores)
    record = {**best, **{f"{dev_evaluator.name}_{key}": value for key, value in dev.items()}}
    return Calibration(calibrator, record, scores, head.probabilities(logits))
