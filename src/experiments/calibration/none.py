"""``calibration=none``: the head's own probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np

from experiments.calibration.base import Calibrator, probabilities


class NoCalibration(Calibrator):
    """Leaves the scores as the head computes them (sigmoid or softmax of the logits)."""

    name = "none"

    def __init__(self) -> None:
        super().__init__()
        self.fitted = True  # nothing to fit

    def _fit(self, logits: np.ndarray, labels: np.ndarray) -> None:
        pass

    def _transform(self, logits: np.ndarray) -> np.ndarray:
        return probabilities(logits)

    def fitted_values(self) -> dict[str, Any]:
        return {}

    def _restore(self, values: dict[str, Any]) -> None:
        pass
