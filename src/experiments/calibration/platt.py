"""``calibration=platt``: a logistic regression on the log-odds, fitted on dev (scikit-learn)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from experiments.calibration.base import Calibrator, check_both_classes


class PlattScaling(Calibrator):
    """sigmoid(a * z + b) of the log-odds z, with a and b from scikit-learn's unpenalised
    :class:`~sklearn.linear_model.LogisticRegression` on dev. Binary heads only. Monotone (increasing
    when a > 0, which any model better than chance gets): the ranking is unchanged.

    References:
        Platt (1999), "Probabilistic Outputs for Support Vector Machines and Comparisons to Regularized
        Likelihood Methods".
    """

    name = "platt"
    binary_only = True

    def _fit(self, logits: np.ndarray, labels: np.ndarray) -> None:
        check_both_classes(self.name, labels)
        self.model = LogisticRegression(C=np.inf).fit(logits.reshape(-1, 1), labels)

    def _transform(self, logits: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(logits.reshape(-1, 1))[:, 1]

    def fitted_values(self) -> dict[str, Any]:
        return {"coef": float(self.model.coef_[0, 0]), "intercept": float(self.model.intercept_[0])}

    def _restore(self, values: dict[str, Any]) -> None:
        # A fitted LogisticRegression is its coef_, intercept_ and classes_.
        self.model = LogisticRegression(C=np.inf)
        self.model.coef_ = np.array([[float(values["coef"])]])
        self.model.intercept_ = np.array([float(values["intercept"])])
        self.model.classes_ = np.array([0, 1])
