"""num_labels=N: one logit per class, softmax probabilities."""

from __future__ import annotations

import numpy as np

from experiments.heads.base import Head


class MulticlassHead(Head):
    """One logit per class (3 or more); scores are the softmax probabilities, shape (n, C)."""

    name = "multiclass"
    binary = False
    default_select_metric = "dev_f1_macro"

    def _num_labels(self, num_classes: int) -> int:
        return num_classes

    def score_logits(self, raw: np.ndarray) -> np.ndarray:
        """The class logits, as they are."""
        return np.asarray(raw, dtype=np.float64)
