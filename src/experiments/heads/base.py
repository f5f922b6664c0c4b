"""The head contract: how many logits the CrossEncoder gets and how its outputs become scores."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
import torch
from scipy.special import expit, softmax
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.data.labels import spelling_variants
from experiments.errors import ConfigurationError


def probabilities(logits: np.ndarray) -> np.ndarray:
    """Sigmoid of binary log-odds (shape (n,)), softmax of class logits (shape (n, C))."""
    logits = np.asarray(logits, dtype=np.float64)
    return expit(logits) if logits.ndim == 1 else softmax(logits, axis=-1)


class Head(ABC):
    """A classification head for ``num_classes`` classes.

    ``scores`` returns the positive-class probability, shape (n,), for binary heads, and class
    probabilities, shape (n, C), for multiclass heads. They are ``probabilities(class_logits(...))``:
    :meth:`class_logits` gives the logits the scores are a function of (the positive class's log-odds,
    shape (n,), for binary heads; the class logits, shape (n, C), otherwise), which is what the
    calibrators of :mod:`experiments.calibration` work on. ``select_metric`` is the dev metric that picks
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
        """The model's raw outputs, shape (n, num_labels), as float64 (no pairs: shape (0, num_labels))."""
        if len(pairs) == 0:
            return torch.zeros((0, model.num_labels), dtype=torch.float64)
        raw = model.predict(
            list(pairs),
            batch_size=batch_size,
            activation_fn=torch.nn.Identity(),
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return torch.from_numpy(np.asarray(raw, dtype=np.float64)).reshape(len(pairs), -1)

    @abstractmethod
    def score_logits(self, raw: np.ndarray) -> np.ndarray:
        """The model's raw outputs, shape (n, num_labels), as the logits of :meth:`probabilities`."""

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Scores from :meth:`score_logits`: the sigmoid of the log-odds (binary), the softmax (multiclass)."""
        return probabilities(logits)

    def class_logits(self, model: CrossEncoder, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        """:meth:`score_logits` of the model's outputs for ``pairs``."""
        return self.score_logits(self.logits(model, pairs, batch_size).numpy())

    def scores(self, model: CrossEncoder, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        return self.probabilities(self.class_logits(model, pairs, batch_size))
