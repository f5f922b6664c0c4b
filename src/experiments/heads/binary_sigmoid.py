"""num_labels=1: one logit, sigmoid score."""

from __future__ import annotations

import numpy as np

from experiments.heads.base import Head


class BinarySigmoidHead(Head):
    """One logit per pair; the score is its sigmoid, the probability of the positive class (id 1)."""

    name = "binary_sigmoid"
    binary = True
    default_select_metric = "dev_f1"

    def _num_labels(self, num_classes: int) -> int:
        return 1

    def score_logits(self, raw: np.ndarray) -> np.ndarray:
        """The one logit is the log-odds."""
        return np.asarray(raw, dtype=np.float64).reshape(-1)
