"""The calibrator contract: fitted on dev logits after training, maps logits to calibrated probabilities."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.errors import ConfigurationError
from experiments.heads.base import Head, probabilities

__all__ = ["Calibrator", "ClassCounts", "check_both_classes", "probabilities"]


@dataclass(frozen=True)
class ClassCounts:
    """The class mass a model trained on and that of the world it will see, for calibrators that correct the
    priors (``calibration=prior``).

    Args:
        trained: per class, the rows the model trained on per epoch (after sampling), weighed as its loss
            weighs them (:func:`experiments.losses.priors.effective_class_counts`).
        data: per class, the rows of the training data (before sampling).
    """

    trained: Sequence[float]
    data: Sequence[float]


class Calibrator(ABC):
    """Turns a head's logits (:meth:`Head.class_logits <experiments.heads.base.Head.class_logits>`: the
    positive class's log-odds, shape (n,), for binary heads; class logits, shape (n, C), otherwise) into
    calibrated probabilities of the same shape as the head's scores.

    ``fit`` does the shared checks and calls ``_fit``; ``transform`` calls ``_transform``. A fitted
    calibrator is written to ``decision.json`` as plain JSON (:meth:`to_dict`) and rebuilt from it by name
    (:func:`experiments.calibration.calibrator_from_dict`): no pickles, no import paths.

    Args of ``fit``:
        logits: dev logits at the best epoch.
        labels: dev class ids.
        class_counts: the class mass trained on and of the data (:class:`ClassCounts`); read only by the
            calibrators that correct the priors.
    """

    name: str
    # True: fits binary heads only (multiclass heads fail at start-up, before training).
    binary_only: bool = False
    # Dev rows each class needs for a fit worth having (checked before training, :meth:`check_dev`).
    min_dev_rows: int = 0
    # What to do instead, for the message of :meth:`check_dev`.
    too_few_advice: str = ""

    def __init__(self) -> None:
        self.fitted = False

    def check_head(self, head: Head) -> None:
        """Raise :class:`ConfigurationError` when this calibrator cannot serve ``head``."""
        if self.binary_only and not head.binary:
            raise ConfigurationError(
                f"calibration={self.name} needs a binary head, got head={head.name}; "
                "use calibration=temperature or calibration=prior for multiclass"
            )

    def check_dev(self, dev_counts: Sequence[int], label_names: Sequence[str]) -> None:
        """Raise :class:`ConfigurationError` when a class has fewer than :attr:`min_dev_rows` dev rows to fit on."""
        short = [
            (name, int(count)) for name, count in zip(label_names, dev_counts, strict=True) if count < self.min_dev_rows
        ]
        if short:
            rows = ", ".join(f"{count} of class {name!r}" for name, count in short)
            raise ConfigurationError(
                f"calibration={self.name} needs at least {self.min_dev_rows} dev rows of each class to fit on, "
                f"but dev has {rows} ({sum(dev_counts)} rows); {self.too_few_advice}"
            )

    def fit(
        self, logits: np.ndarray, labels: Sequence[int] | np.ndarray, class_counts: ClassCounts | None = None
    ) -> Calibrator:
        logits = np.asarray(logits, dtype=np.float64)
        labels = np.asarray(labels).astype(np.int64)
        if logits.ndim not in (1, 2) or len(logits) != len(labels):
            raise ValueError(f"logits of shape {logits.shape} do not fit {len(labels)} labels")
        if len(labels) == 0:
            raise ValueError(f"calibration={self.name}: no dev rows to fit on")
        if not np.isfinite(logits).all():
            raise ValueError(f"calibration={self.name}: {int((~np.isfinite(logits)).sum())} logits are NaN or infinite")
        self._fit(logits, labels)
        self.fitted = True
        return self

    def transform(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated probabilities: shape (n,) for binary log-odds, (n, C) for class logits; n may be 0."""
        if not self.fitted:
            raise RuntimeError(f"calibration={self.name} is not fitted: call fit on dev first")
        logits = np.asarray(logits, dtype=np.float64)
        if len(logits) == 0:  # scikit-learn's models refuse an empty array
            return np.zeros(logits.shape)
        return self._transform(logits)

    @abstractmethod
    def _fit(self, logits: np.ndarray, labels: np.ndarray) -> None:
        """Fit on checked dev logits (float64) and class ids (int64)."""

    @abstractmethod
    def _transform(self, logits: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def fitted_values(self) -> dict[str, Any]:
        """What was fitted, as JSON-ready values."""

    @abstractmethod
    def _restore(self, values: dict[str, Any]) -> None:
        """Set the fitted state from :meth:`fitted_values`."""

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "values"}``: what ``decision.json`` records under ``calibration``."""
        return {"name": self.name, "values": self.fitted_values()}

    def restore(self, values: dict[str, Any]) -> Calibrator:
        """Set the fitted state written by :meth:`to_dict` (``values``); return self."""
        self._restore(values)
        self.fitted = True
        return self


def check_both_classes(name: str, labels: np.ndarray) -> None:
    present = np.unique(labels).tolist()
    if present != [0, 1]:
        raise ValueError(f"calibration={name} needs both classes (0 and 1) in dev, got {present}")
