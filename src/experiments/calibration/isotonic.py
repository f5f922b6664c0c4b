"""``calibration=isotonic``: a non-decreasing step function of the log-odds, fitted on dev (scikit-learn)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

from experiments.calibration.base import Calibrator, check_both_classes


def isotonic_regression() -> IsotonicRegression:
    return IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")


class IsotonicCalibration(Calibrator):
    """scikit-learn's :class:`~sklearn.isotonic.IsotonicRegression` (``out_of_bounds="clip"``) from dev
    log-odds to labels. Binary heads only. Non-decreasing, so it never reverses two pairs, but it maps
    whole ranges of scores to one value: ties can change AP and MAP (the other calibrators keep them).
    It needs more dev rows than ``platt`` not to over-fit: a run refuses it, before training, when a class has
    fewer than :attr:`min_dev_rows` dev rows.

    References:
        Zadrozny & Elkan (2002), "Transforming Classifier Scores into Accurate Multiclass Probability
        Estimates", KDD.
    """

    name = "isotonic"
    binary_only = True
    # With a handful of positives the step function has a handful of steps: most scores share one probability.
    min_dev_rows = 10
    too_few_advice = (
        "with fewer the step function has a step or two and most pairs get one probability: use calibration=platt "
        "(two parameters) or a dev split with more rows of that class"
    )

    def _fit(self, logits: np.ndarray, labels: np.ndarray) -> None:
        check_both_classes(self.name, labels)
        self.model = isotonic_regression().fit(logits, labels)

    def _transform(self, logits: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(logits), dtype=np.float64)

    def fitted_values(self) -> dict[str, Any]:
        return {"x_thresholds": self.model.X_thresholds_.tolist(), "y_thresholds": self.model.y_thresholds_.tolist()}

    def _restore(self, values: dict[str, Any]) -> None:
        # Fitting on its own (already non-decreasing) thresholds gives back the same interpolation.
        self.model = isotonic_regression().fit(
            np.asarray(values["x_thresholds"], dtype=np.float64), np.asarray(values["y_thresholds"], dtype=np.float64)
        )
