"""The shared plumbing of pointwise losses: tokenise pairs, run the CrossEncoder, hand logits to the maths."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.util import batch_to_device
from torch import Tensor, nn


class PairLoss(nn.Module):
    """Base of the pair-classification losses, following the sentence-transformers CrossEncoder loss contract.

    Subclasses implement :meth:`compute` on logits of shape (batch, num_labels) and integer labels
    of shape (batch,); this class does the tokenisation and the forward pass, so
    ``CrossEncoderTrainer`` uses every subclass unchanged.

    Args:
        model: the CrossEncoder being trained.
        class_counts: rows per class id in the data the model trains on (after sampling).
    """

    def __init__(self, model: CrossEncoder, class_counts: Sequence[int]) -> None:
        super().__init__()
        self.model = model
        self.class_counts = [int(count) for count in class_counts]

    def forward(
        self, inputs: list[list[str]], labels: Tensor, prompt: str | None = None, task: str | None = None
    ) -> Tensor:
        if len(inputs) != 2:
            raise ValueError(f"{type(self).__name__} expects two text columns (pairs), got {len(inputs)} columns")
        pairs = list(zip(inputs[0], inputs[1], strict=True))
        features = batch_to_device(self.model.preprocess(pairs, prompt=prompt, task=task), self.model.device)
        logits = self.model(features)["scores"]
        return self.compute(logits.view(len(pairs), -1), labels.view(-1).to(logits.device))

    @abstractmethod
    def compute(self, logits: Tensor, labels: Tensor) -> Tensor:
        """The loss of a batch: logits (batch, num_labels), integer labels (batch,)."""

    def get_config_dict(self) -> dict[str, Any]:
        return {"class_counts": self.class_counts}
