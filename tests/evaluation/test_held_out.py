"""The test split is measured at the thresholds chosen on dev, never at thresholds tuned on itself."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, matthews_corrcoef

from experiments.calibration import NoCalibration, TemperatureScaling
from experiments.evaluation import PairClassificationEvaluator, tuned_binary_metrics
from experiments.evaluation.held_out import metrics_at_dev_thresholds, score_test_split
from experiments.heads import BinarySigmoidHead, MulticlassHead
from experiments.models import tiny_cross_encoder
from experiments.precision import FP32

PAIRS = [(f"question {i}", f"answer {i % 3}") for i in range(8)]
LABELS = [0, 1, 0, 0, 1, 1, 0, 0]
SCORES = np.array([0.10, 0.80, 0.35, 0.60, 0.40, 0.90, 0.20, 0.05])


def dev_record(f1: float, mcc: float) -> dict[str, float]:
    """A best-epoch record holding dev thresholds (the other two set far away: they must not be used for these)."""
    return {
        "epoch": 2.0,
        "dev_f1_threshold": f1,
        "dev_mcc_threshold": mcc,
        "dev_accuracy_threshold": 0.5,
        "dev_fbeta_threshold": 0.5,
    }


def test_binary_metrics_use_each_metric_s_dev_threshold_as_given():
    evaluator = PairClassificationEvaluator(PAIRS, LABELS, BinarySigmoidHead(), ["no", "yes"], name="test")
    metrics = metrics_at_dev_thresholds(evaluator, SCORES, dev_record(f1=0.65, mcc=0.3), 1.0, "f1")
    assert metrics["f1"] == pytest.approx(f1_score(LABELS, SCORES > 0.65))
    assert metrics["f1"] == pytest.approx(0.8)  # 2 of the 3 positives found, no false positive
    assert metrics["mcc"] == pytest.approx(matthews_corrcoef(LABELS, SCORES > 0.3))
    assert metrics["f1_threshold"] == 0.65 and metrics["mcc_threshold"] == 0.3
    # Tuned on these scores, F1 would reach 6/7 (every positive, one false positive): not what test reports.
    assert tuned_binary_metrics(SCORES, np.asarray(LABELS))["f1"] == pytest.approx(6 / 7)
    assert "map" not in metrics


def test_grouped_splits_add_ranking_metrics():
    groups = ["q0", "q0", "q1", "q1", "q1", "q2", "q2", "q2"]
    evaluator = PairClassificationEvaluator(PAIRS, LABELS, BinarySigmoidHead(), ["no", "yes"], groups=groups)
    metrics = metrics_at_dev_thresholds(evaluator, SCORES, dev_record(f1=0.5, mcc=0.3), 1.0, "f1")
    # The positive ranks first in q0 (0.80 > 0.10) and q2 (0.90), second in q1 (0.40 after 0.60).
    assert metrics["mrr"] == pytest.approx((1 + 0.5 + 1) / 3)


def test_multiclass_metrics_take_the_argmax_and_need_no_threshold():
    labels = [0, 1, 2, 2]
    scores = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2]])
    evaluator = PairClassificationEvaluator(PAIRS[:4], labels, MulticlassHead(), ["a", "b", "c"])
    metrics = metrics_at_dev_thresholds(evaluator, scores, {"epoch": 1.0}, 1.0, "f1")
    assert metrics["accuracy"] == pytest.approx(0.75)


@pytest.mark.parametrize("calibrator", [NoCalibration(), TemperatureScaling()])
def test_score_test_split_calibrates_the_model_s_logits_then_measures_at_dev_thresholds(calibrator):
    model = tiny_cross_encoder(num_labels=1)
    head = BinarySigmoidHead()
    evaluator = PairClassificationEvaluator(PAIRS, LABELS, head, ["no", "yes"], name="test", batch_size=3)
    logits = head.class_logits(model, PAIRS, 3)
    if not calibrator.fitted:
        calibrator.fit(np.array([-2.0, -1.0, 1.0, 3.0]), [0, 0, 1, 1])
    best = dev_record(f1=float(np.median(calibrator.transform(logits))), mcc=0.5)
    scored = score_test_split(model, evaluator, calibrator, best, FP32)
    np.testing.assert_allclose(scored.logits, logits, rtol=1e-6)
    np.testing.assert_array_equal(scored.uncalibrated, head.probabilities(scored.logits))
    np.testing.assert_array_equal(scored.scores, calibrator.transform(scored.logits))
    assert scored.metrics == metrics_at_dev_thresholds(evaluator, scored.scores, best, 1.0, "f1")
