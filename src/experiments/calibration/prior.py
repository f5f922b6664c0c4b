"""``calibration=prior``: the analytic correction from the class priors trained on to those of the data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from experiments.calibration.base import Calibrator, probabilities


def priors(counts: Sequence[float], name: str) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or len(counts) < 2 or (counts <= 0).any():
        raise ValueError(f"{name} must be a positive count per class, got {counts.tolist()}")
    return counts / counts.sum()


def effective_class_counts(class_counts: Sequence[float], loss_config: Mapping[str, Any]) -> list[float]:
    """The class mass a loss trained on: the rows per class, re-weighted as the loss weighs them.

    A class-weighted cross-entropy (``class_weights`` w_k in the loss config: ``inverse_frequency``,
    ``normalized``, ``effective_number``) is minimised by the posterior of a world with priors proportional
    to count_k * w_k. A logit-adjusted loss (``priors`` pi_k and ``tau``) leaves raw logits whose priors are
    proportional to pi_k ** (1 - tau). Any other loss: the counts as they are.
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    if loss_config.get("class_weights") is not None:
        return (counts * np.asarray(loss_config["class_weights"], dtype=np.float64)).tolist()
    if loss_config.get("priors") is not None and loss_config.get("tau") is not None:
        priors = np.asarray(loss_config["priors"], dtype=np.float64)
        return (counts.sum() * priors ** (1.0 - float(loss_config["tau"]))).tolist()
    return counts.tolist()


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
    (before sampling); for class-weighted and logit-adjusted losses the counts are re-weighted as the loss
    weighs them (:func:`effective_class_counts`). Monotone: the ranking of binary scores is unchanged.

    References:
        Saerens, Latinne & Decaestecker (2002), "Adjusting the Outputs of a Classifier to New a Priori
        Probabilities: A Simple Procedure", Neural Computation 14(1).
    """

    name = "prior"

    def _fit(
        self,
        logits: np.ndarray,
        labels: np.ndarray,
        trained_counts: Sequence[float] | None,
        data_counts: Sequence[float] | None,
    ) -> None:
        if trained_counts is None or data_counts is None:
            raise ValueError("calibration=prior needs trained_counts and data_counts (the class counts)")
        self.trained_priors = priors(trained_counts, "trained_counts")
        self.data_priors = priors(data_counts, "data_counts")
        if len(self.trained_priors) != len(self.data_priors):
            raise ValueError(f"{len(self.trained_priors)} trained priors but {len(self.data_priors)} data priors")

    def _transform(self, logits: np.ndarray) -> np.ndarray:
        return probabilities(prior_corrected_logits(logits, self.trained_priors, self.data_priors))

    def fitted_values(self) -> dict[str, Any]:
        return {"trained_priors": self.trained_priors.tolist(), "data_priors": self.data_priors.tolist()}

    def _restore(self, values: dict[str, Any]) -> None:
        self.trained_priors = np.asarray(values["trained_priors"], dtype=np.float64)
        self.data_priors = np.asarray(values["data_priors"], dtype=np.float64)
