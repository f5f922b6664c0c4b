"""Which epoch a run tests: the best on dev by the selection metric, where its checkpoint was kept."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

logger = logging.getLogger(__name__)


def select_best_epoch(history: Sequence[dict[str, float]], select_metric: str) -> dict[str, float]:
    """The first epoch with the highest ``select_metric`` (the trainer's own rule)."""
    if not history:
        raise RuntimeError("training finished without a single evaluation")
    values = np.array([record[select_metric] for record in history], dtype=np.float64)
    return history[int(np.nanargmax(values))]


def tested_epoch(history: Sequence[dict[str, float]], select_metric: str, restored: bool) -> dict[str, float]:
    """The record of the epoch whose model is in hand after training: the best one when the trainer
    ``restored`` it from its checkpoint, else the last (its thresholds are the ones that fit the model)."""
    best = select_best_epoch(history, select_metric)
    if not restored and best is not history[-1]:
        logger.warning("trainer.save_checkpoints=false: testing the last epoch, not the best (%d)", best["epoch"])
        return history[-1]
    return best
