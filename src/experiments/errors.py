"""The one exception type for bad configs, data and environments."""

from __future__ import annotations


class ConfigurationError(ValueError):
    """Bad input found before training: the message names the key, file, row or column at fault."""


class TrialPruned(Exception):
    """An optuna pruner stopped the trial a sweep job was running: its dev values fell behind the other trials'.

    Args:
        message: what the pruner saw.
        epoch: the last epoch trained.
        value: the best dev value of the select metric over the epochs trained (what the sweeper records).
    """

    def __init__(self, message: str, epoch: int, value: float) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.value = value
