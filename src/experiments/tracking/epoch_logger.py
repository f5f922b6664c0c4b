"""A trainer callback that logs every evaluation to MLflow with the epoch as the step."""

from __future__ import annotations

import time
from collections.abc import Callable

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.trainer_utils import SaveStrategy

from experiments.tracking.mlflow_tracker import MlflowTracker

EVAL_PREFIX = "eval_"


class EpochMetricsLogger(TrainerCallback):
    """Collects the training loss and the evaluator's metrics of each epoch and logs them at step = epoch.

    Steps per epoch differ across sampling strategies, so logging by epoch keeps sweeps comparable.
    ``train_epoch_seconds`` is the wall time of the epoch's training steps, evaluation excluded.
    ``history`` keeps every epoch's metrics (epoch 1 first) for model selection and plots; when
    training resumes from a checkpoint, the epochs before it are restored from the trainer state
    (they are in the MLflow run already; only the last of them is logged again, at the same step with the
    same values, in case the job stopped between its checkpoint and its logging). With checkpoints, an
    epoch is logged after its checkpoint is written: a tracking server that fails then stops the job
    with that epoch saved (see :mod:`experiments.tracking.unreachable`).

    Args:
        tracker: the run to log into.
        extra_metrics: called with the 0-based epoch; its metrics are logged alongside
            (e.g. the class counts the sampler drew for that epoch).
    """

    def __init__(self, tracker: MlflowTracker, extra_metrics: Callable[[int], dict[str, float]] | None = None) -> None:
        self.tracker = tracker
        self.extra_metrics = extra_metrics
        self.history: list[dict[str, float]] = []
        self._unlogged: list[dict[str, float]] = []
        self._train_loss: float | None = None
        self._epoch_start: float | None = None
        self._epoch_seconds: float | None = None

    def on_epoch_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object
    ) -> None:
        self._epoch_start = time.perf_counter()

    def on_epoch_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object
    ) -> None:
        if self._epoch_start is not None:
            self._epoch_seconds = time.perf_counter() - self._epoch_start

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object
    ) -> None:
        self.history = []
        train_loss: float | None = None
        for logs in state.log_history:
            if "loss" in logs:
                train_loss = float(logs["loss"])
            if any(key.startswith(EVAL_PREFIX) for key in logs):
                epoch = round(logs.get("epoch", 0))
                self.history.append({"epoch": float(epoch), **self._record(epoch, logs, train_loss)})
        self._unlogged = self.history[-1:]

    def _record(self, epoch: int, metrics: dict[str, float], train_loss: float | None) -> dict[str, float]:
        record = {
            key.removeprefix(EVAL_PREFIX): float(value)
            for key, value in metrics.items()
            if key.startswith(EVAL_PREFIX)
            and isinstance(value, int | float)
            and not key.endswith(("_runtime", "_per_second"))
        }
        if train_loss is not None:
            record["train_loss"] = train_loss
        if self._epoch_seconds is not None:
            record["train_epoch_seconds"] = self._epoch_seconds
        if self.extra_metrics is not None:
            record.update(self.extra_metrics(epoch - 1))
        return record

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, float] | None = None,
        **kwargs: object,
    ) -> None:
        if logs and "loss" in logs:
            self._train_loss = float(logs["loss"])

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, float] | None = None,
        **kwargs: object,
    ) -> None:
        epoch = round(state.epoch or 0)
        record = {"epoch": float(epoch), **self._record(epoch, metrics or {}, self._train_loss)}
        self.history.append(record)
        self._unlogged.append(record)
        if args.save_strategy == SaveStrategy.NO:
            self._log_unlogged()

    def on_save(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object) -> None:
        self._log_unlogged()

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object
    ) -> None:
        self._log_unlogged()

    def _log_unlogged(self) -> None:
        while self._unlogged:
            record = self._unlogged[0]
            epoch = round(record["epoch"])
            self.tracker.log_metrics({key: value for key, value in record.items() if key != "epoch"}, step=epoch)
            self._unlogged.pop(0)
