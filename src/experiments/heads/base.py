"""The head contract: how many logits the CrossEncoder gets and how its outputs become scores."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
import torch
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.data.labels import spelling_variants
from experiments.errors import ConfigurationError


class Head(ABC):
    """A classification head for ``num_classes`` classes.

    ``scores`` returns the positive-class probability, shape (n,), for binary heads, and class
    probabilities, shape (n, C), for multiclass heads. ``select_metric`` is the dev metric that picks
    the best epoch by default (``evaluation.select_metric`` refers to it unless set).

    Args:
        select_metric: e.g. ``dev_f1``; None takes the head's ``default_select_metric``.
    """

    name: str
    binary: bool
    default_select_metric: str

    def __init__(self, select_metric: str | None = None) -> None:
        self.select_metric = select_metric or self.default_select_metric

    def num_labels(self, num_classes: int) -> int:
        """The CrossEncoder's ``num_labels`` for data with ``num_classes`` classes (checked)."""
        self.check_classes(num_classes)
        return self._num_labels(num_classes)

    def check_classes(self, num_classes: int, label_names: Sequence[str] | None = None) -> None:
        """The head fits ``num_classes``; with ``label_names``, labels that look like spellings of one label
        are named instead of advising another head."""
        if self.binary and num_classes != 2:
            names = f" {list(label_names)}" if label_names is not None else ""
            variants = spelling_variants(label_names) if label_names is not None else []
            if variants:
                pairs = "; ".join(f"{first!r} / {second!r}" for first, second in variants)
                raise ConfigurationError(
                    f"head={self.name} needs exactly 2 classes, but the data has {num_classes}{names}, of which "
                    f"{pairs} look like spellings of one label: fix the labels in the file"
                )
            raise ConfigurationError(
                f"head={self.name} needs exactly 2 classes, but the data has {num_classes}{names}; "
                "if they are all real classes use head=multiclass"
            )
        if not self.binary and num_classes < 3:
            raise ConfigurationError(
                f"head={self.name} needs 3 or more classes, but the data has {num_classes}; "
                "use head=binary_sigmoid or head=binary_softmax"
            )

    @abstractmethod
    def _num_labels(self, num_classes: int) -> int: ...

    @staticmethod
    def logits(model: CrossEncoder, pairs: Sequence[tuple[str, str]], batch_size: int) -> torch.Tensor:
        """The model's raw outputs, shape (n, num_labels), as float64."""
        raw = model.predict(
            list(pairs),
            batch_size=batch_size,
            activation_fn=torch.nn.Identity(),
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return torch.from_numpy(np.asarray(raw, dtype=np.float64)).reshape(len(pairs), -1)

    @abstractmethod
    def scores(self, model: CrossEncoder, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray: ...
