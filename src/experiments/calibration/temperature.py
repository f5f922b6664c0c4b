"""``calibration=temperature``: one scalar dividing the logits, fitted on dev by minimising the NLL."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

from experiments.calibration.base import Calibrator, probabilities

# The search range of log(T): T in [1/100, 100].
LOG_T_BOUNDS = (-np.log(100.0), np.log(100.0))


def negative_log_likelihood(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean NLL of sigmoid(log-odds) (shape (n,)) or softmax(class logits) (shape (n, C))."""
    if logits.ndim == 1:
        return float(np.mean(np.logaddexp(0.0, logits) - labels * logits))
    return float(np.mean(logsumexp(logits, axis=1) - logits[np.arange(len(labels)), labels]))


class TemperatureScaling(Calibrator):
    """Probabilities of ``logits / T``; T > 1 softens over-confident scores, T < 1 sharpens them.

    T minimises the dev negative log-likelihood (``scipy.optimize.minimize_scalar`` over log T, bounded).
    It does not move the logit 0 (binary) nor the argmax (multiclass), so it keeps the ranking but does
    not correct a shift of the base rate: use ``prior`` or ``platt`` for that.

    References:
        Guo, Pleiss, Sun & Weinberger (2017), "On Calibration of Modern Neural Networks", ICML.
    """

    name = "temperature"

    def _fit(self, logits: np.ndarray, labels: np.ndarray) -> None:
        result = minimize_scalar(
            lambda log_t: negative_log_likelihood(logits / np.exp(log_t), labels),
            bounds=LOG_T_BOUNDS,
            method="bounded",
        )
        self.temperature = float(np.exp(result.x))

    def _transform(self, logits: np.ndarray) -> np.ndarray:
        return probabilities(logits / self.temperature)

    def fitted_values(self) -> dict[str, Any]:
        return {"temperature": self.temperature}

    def _restore(self, values: dict[str, Any]) -> None:
        self.temperature = float(values["temperature"])
