"""num_labels=N: one logit per class, softmax probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.heads.base import Head


class MulticlassHead(Head):
    """One logit per class (3 or more); scores are the softmax probabilities, shape (n, C)."""

    name = "multiclass"
    binary = False
    default_select_metric = "dev_f1_macro"

    def _num_labels(self, num_classes: int) -> int:
        return num_classes

    def scores(self, model: CrossEncoder, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        return torch.softmax(self.logits(model, pairs, batch_size), dim=-1).numpy()
