"""num_labels=2: two logits, softmax probability of the positive class as the score."""

from __future__ import annotations

import numpy as np

from experiments.heads.base import Head


class BinarySoftmaxHead(Head):
    """Two logits per pair; the score is softmax(logits)[1], so thresholds work as for the sigmoid head."""

    name = "binary_softmax"
    binary = True
    default_select_metric = "dev_f1"

    def _num_labels(self, num_classes: int) -> int:
        return 2

    def score_logits(self, raw: np.ndarray) -> np.ndarray:
        """softmax(z)[1] = sigmoid(z1 - z0): the log-odds is the difference of the two logits."""
        raw = np.asarray(raw, dtype=np.float64)
        return raw[:, 1] - raw[:, 0]
