"""num_labels=2: two logits, softmax probability of the positive class as the score."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.heads.base import Head


class BinarySoftmaxHead(Head):
    """Two logits per pair; the score is softmax(logits)[1], so thresholds work as for the sigmoid head."""

    name = "binary_softmax"
    binary = True
    default_select_metric = "dev_f1"

    def _num_labels(self, num_classes: int) -> int:
        return 2

    def scores(self, model: CrossEncoder, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        return torch.softmax(self.logits(model, pairs, batch_size), dim=-1)[:, 1].numpy()
