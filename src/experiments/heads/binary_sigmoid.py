"""num_labels=1: one logit, sigmoid score."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.heads.base import Head


class BinarySigmoidHead(Head):
    """One logit per pair; the score is its sigmoid, the probability of the positive class (id 1)."""

    name = "binary_sigmoid"
    binary = True
    default_select_metric = "dev_f1"

    def _num_labels(self, num_classes: int) -> int:
        return 1

    def scores(self, model: CrossEncoder, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        return torch.sigmoid(self.logits(model, pairs, batch_size)).numpy().reshape(-1)
