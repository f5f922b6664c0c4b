"""``calibration=prior``: the analytic correction from the class priors trained on to those of the data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from experiments.calibration.base import Calibrator, ClassCounts, probabilities


def priors(counts: Sequence[float], name: str) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or len(counts) < 2 or (counts <= 0).any():
        raise ValueError(f"{name} must be a positive count per class, got {counts.tolist()}")
    return counts / counts.sum()


def prior_shift(trained_priors: np.ndarray, data_priors: np.ndarray) -> np.ndarray:
    """log(pi_data_k) - log(pi_train_k), per class."""
    return np.log(data_priors) - np.log(trained_priors)


def prior_corrected_logits(logits: np.ndarray, trained_priors: np.ndarray, data_priors: np.ndarray) -> np.ndarray:
    """Class logits: ``logit_k + log(pi_data_k) - log(pi_train_k)``. Binary log-odds (shape (n,)):
    ``z - log(pi_train_1 / pi_train_0) + log(pi_data_1 / pi_data_0)``."""
    shift = prior_shift(trained_priors, data_priors)
    if logits.ndim == 1:
        return logits + (shift[1] - shift[0])
    return logits + shift


class PriorCorrection(Calibrator):
    """Re-weights the posterior by Bayes' rule for a change of class priors (label shift).

    A model trained where class k has prior pi_train_k estimates p_train(k | x); the data (the world it
    will see) has priors pi_data_k, so p(k | x) is proportional to p_train(k | x) * pi_data_k / pi_train_k:
    a shift of every class logit by log(pi_data_k / pi_train_k). Nothing is fitted on dev: the priors are
    the class counts the model trained on (after sampling, one epoch) and those of the training data
    (before sampling), given to :meth:`fit` as :class:`~experiments.calibration.base.ClassCounts`; for
    class-weighted and logit-adjusted losses the trained counts are re-weighted as the loss weighs them
    (:func:`experiments.losses.priors.effective_class_counts`). Monotone: the ranking of binary scores is
    unchanged.

    References:
        Saerens, Latinne & Decaestecker (2002), "Adjusting the Outputs of a Classifier to New a Priori
        Probabilities: A Simple Procedure", Neural Computation 14(1).
    """

    name = "prior"

    def fit(
        self, logits: np.ndarray, labels: Sequence[int] | np.ndarray, class_counts: ClassCounts | None = None
    ) -> Calibrator:
        """Take the priors from ``class_counts`` (required); nothing is fitted on the dev logits."""
        if class_counts is None:
            raise ValueError("calibration=prior needs the class counts trained on and of the data (class_counts)")
        self.trained_priors = priors(class_counts.trained, "trained class counts")
        self.data_priors = priors(class_counts.data, "data class counts")
        if len(self.trained_priors) != len(self.data_priors):
            raise ValueError(f"{len(self.trained_priors)} trained priors but {len(self.data_priors)} data priors")
        return super().fit(logits, labels)

    def _fit(self, logits: np.ndarray, labels: np.ndarray) -> None:
        pass

    def _transform(self, logits: np.ndarray) -> np.ndarray:
        return probabilities(prior_corrected_logits(logits, self.trained_priors, self.data_priors))

    def fitted_values(self) -> dict[str, Any]:
        return {"trained_priors": self.trained_priors.tolist(), "data_priors": self.data_priors.tolist()}

    def _restore(self, values: dict[str, Any]) -> None:
        self.trained_priors = np.asarray(values["trained_priors"], dtype=np.float64)
        self.data_priors = np.asarray(values["data_priors"], dtype=np.float64)
