"""The ``trainer`` config section as typed settings, the trainer's arguments from them, a trainer that stops on
a non-finite loss, timings, and the checkpoint a killed job resumes from."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from datasets import Dataset
from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments
from transformers import EarlyStoppingCallback, ProgressCallback, TrainerCallback, TrainerControl, TrainerState

from experiments.data.splits import TEXT_A, TEXT_B
from experiments.errors import ConfigurationError
from experiments.negatives import NegativesMode
from experiments.precision import FP32, precision_arguments, resolve_precision
from experiments.sampling import EpochSampler, pair_lengths
from experiments.signals import raise_pending_signal, signals_held

logger = logging.getLogger(__name__)


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


def argument_values(
    output_dir: str,
    seed: int,
    select_metric: str,
    batch_sampler: Callable[..., Any] | None = None,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 2e-5,
    warmup_ratio: float = 0.1,
    weight_decay: float = 0.01,
    max_grad_norm: float = 1.0,
    precision: str = "fp32",
    save_checkpoints: bool = True,
    dataloader_num_workers: int = 0,
) -> dict[str, Any]:
    """The ``TrainingArguments`` fields the trainer section and the runner set (each one in
    :data:`experiments.config.trainer_arguments.OWNED_ARGUMENTS`)."""
    arguments: dict[str, Any] = {
        "output_dir": output_dir,
        "seed": seed,
        "data_seed": seed,
        "num_train_epochs": epochs,
        "per_device_train_batch_size": batch_size,
        "learning_rate": learning_rate,
        "warmup_steps": float(warmup_ratio),  # a float below 1 is a ratio in transformers 5
        "weight_decay": weight_decay,
        "max_grad_norm": max_grad_norm,
        **precision_arguments(precision),
        "eval_strategy": "epoch",
        "logging_strategy": "epoch",
        "save_strategy": "epoch" if save_checkpoints else "no",
        "save_total_limit": 1 if save_checkpoints else None,
        "load_best_model_at_end": save_checkpoints,
        "metric_for_best_model": select_metric,
        "greater_is_better": True,
        "report_to": [],
        "dataloader_num_workers": dataloader_num_workers,
        # Pinned memory only helps copies to a GPU; on CPU torch warns about it every epoch
        "dataloader_pin_memory": torch.cuda.is_available(),
        # Under torchrun: every parameter is used in each step; the default (True for a CrossEncoder) breaks DDP
        "ddp_find_unused_parameters": False,
        "disable_tqdm": False,
    }
    if batch_sampler is not None:
        arguments["batch_sampler"] = batch_sampler
    return arguments


def training_arguments(extra_args: Mapping[str, Any] | None = None, **settings: Any) -> CrossEncoderTrainingArguments:
    """Training arguments with per-epoch evaluation and best-epoch selection by ``select_metric``.

    ``settings`` are the keyword arguments of :func:`argument_values`. ``extra_args`` passes any other
    :class:`transformers.TrainingArguments` field through unchanged (from Python it may also replace one set
    there; from the config, :func:`experiments.config.trainer_arguments.check_extra_args` refuses that).
    ``precision`` is the resolved one (``bf16`` or ``fp32``, see
    :func:`experiments.precision.resolve_precision`). The ranges of these values are checked with the
    config (:data:`experiments.config.CONSTRAINTS`).
    """
    return CrossEncoderTrainingArguments(**{**argument_values(**settings), **(extra_args or {})})


@dataclass(frozen=True)
class TrainerSettings:
    """The ``trainer`` config section (:class:`experiments.config.schema.TrainerConfig`), typed.

    ``precision`` is the resolved one (``bf16`` or ``fp32``) once built by :meth:`from_config`. The ranges
    of these values are checked with the config (:data:`experiments.config.CONSTRAINTS`).
    """

    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    precision: str = FP32
    save_checkpoints: bool = True
    dataloader_num_workers: int = 0
    # Batch pairs of similar length (within random chunks of length_chunk_batches batches).
    group_by_length: bool = False
    length_chunk_batches: int = 64
    # Stop after the epoch whose successor would end past this many minutes (None: every epoch).
    time_budget_minutes: float | None = None
    # Any other transformers.TrainingArguments field, passed through unchanged.
    extra_args: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> TrainerSettings:
        """The settings of a ``trainer`` section (plain values), with ``precision`` resolved for this machine."""
        return cls(**{**section, "precision": resolve_precision(section["precision"])})

    def arguments(
        self, output_dir: str, seed: int, select_metric: str, batch_sampler: Callable[..., Any] | None = None
    ) -> CrossEncoderTrainingArguments:
        """The trainer's arguments (:func:`training_arguments`) for these settings."""
        return training_arguments(
            output_dir=output_dir,
            seed=seed,
            select_metric=select_metric,
            batch_sampler=batch_sampler,
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            warmup_ratio=self.warmup_ratio,
            weight_decay=self.weight_decay,
            max_grad_norm=self.max_grad_norm,
            precision=self.precision,
            save_checkpoints=self.save_checkpoints,
            dataloader_num_workers=self.dataloader_num_workers,
            extra_args=self.extra_args,
        )

    def batch_sampler(
        self, negatives: NegativesMode, sampler: EpochSampler, train: Dataset, model: CrossEncoder
    ) -> Callable[..., Any] | Any:
        """The negatives mode's batch sampler, grouping pairs by token count when ``group_by_length``."""
        lengths = (
            pair_lengths(train[TEXT_A], train[TEXT_B], model.tokenizer, model.max_seq_length)
            if self.group_by_length
            else None
        )
        return negatives.batch_sampler(
            sampler, lengths=lengths, group_by_length=self.group_by_length, chunk_batches=self.length_chunk_batches
        )

    def stopping(self, early_stopping_patience: int | None) -> list[TrainerCallback]:
        """Early stopping after ``early_stopping_patience`` epochs, and the time budget, where they are set."""
        return [*early_stopping(early_stopping_patience, self.save_checkpoints), *time_budget(self.time_budget_minutes)]


class CheckpointWriteError(OSError):
    """A checkpoint could not be written (a full disk, a quota, a file size limit)."""


# What torch.save says when the disk fills up under it (``[enforce fail at inline_container.cc:...]``).
TORCH_WRITE_FAILURES = ("inline_container", "PytorchStreamWriter", "file write failed")


class TrainingProgress(ProgressCallback):
    """transformers' progress bar, without its copy of the evaluation metrics (the evaluator logs them once)."""

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if logs and not any(key.startswith("eval_") for key in logs):
            super().on_log(args, state, control, logs=logs, **kwargs)


def epoch_of_checkpoint(log_history: Sequence[Mapping[str, Any]], checkpoint: str) -> int | None:
    """The epoch whose end wrote ``checkpoint-<step>``, from the trainer's log history."""
    step = int(checkpoint.rsplit("-", 1)[-1]) if checkpoint.rsplit("-", 1)[-1].isdigit() else None
    epochs = [entry["epoch"] for entry in log_history if entry.get("step") == step and "epoch" in entry]
    return round(epochs[-1]) if epochs else None


class GuardedCrossEncoderTrainer(CrossEncoderTrainer):
    """``CrossEncoderTrainer`` that raises :class:`NonFiniteLossError` at the first NaN or infinite loss.

    Its progress bar prints the training loss, not the evaluation metrics (the evaluator logs those), and
    it says which epoch it restores at the end.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.pop_callback(ProgressCallback) is not None:
            self.add_callback(TrainingProgress)

    def _load_best_model(self) -> None:
        checkpoint = str(self.state.best_model_checkpoint)
        logger.info(
            "restoring epoch %s (%s = %.4g) from %s",
            epoch_of_checkpoint(self.state.log_history, checkpoint),
            self.args.metric_for_best_model,
            self.state.best_metric,
            checkpoint,
        )
        super()._load_best_model()

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        try:
            with signals_held():  # a stop signal (SIGTERM, a preemption, Ctrl-C) never leaves half a checkpoint
                super()._save_checkpoint(model, trial)
        except (OSError, RuntimeError) as error:
            if isinstance(error, RuntimeError) and not any(text in str(error) for text in TORCH_WRITE_FAILURES):
                raise
            reason = error.strerror if isinstance(error, OSError) and error.strerror else "file write failed"
            raise CheckpointWriteError(
                f"cannot write a checkpoint to {self.args.output_dir}: {reason} (is the disk full?); the earlier "
                "checkpoints are kept: free space and continue with resume=true"
            ) from None

    def compute_loss(
        self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None
    ) -> Any:
        result = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        loss = result[0] if return_outputs else result
        if model.training and not torch.isfinite(loss.detach()).all():
            raise NonFiniteLossError(
                f"training loss is {loss.detach().float().item()} at step {self.state.global_step + 1} "
                f"(epoch {self.state.epoch:.2f}); lower trainer.learning_rate or check the loss settings"
            )
        return result


# Wall-clock figures logged with every run: measurements of the machine, not results of the model.
def timing_metrics(log_history: Sequence[Mapping[str, Any]], pairs_trained: int) -> dict[str, float]:
    """Where the time of ``trainer.train()`` went, from the trainer's ``state.log_history``.

    ``train_runtime_s`` is the whole of ``train()``, per-epoch evaluation included; ``eval_runtime_s`` is
    the evaluation part and ``eval_share`` its fraction; ``train_pairs_per_second`` counts training pairs
    (``pairs_trained``, over all epochs) per second of the rest.
    """
    train_runtime = sum(float(entry["train_runtime"]) for entry in log_history if "train_runtime" in entry)
    eval_runtime = sum(float(entry["eval_runtime"]) for entry in log_history if "eval_runtime" in entry)
    training = train_runtime - eval_runtime
    return {
        "train_runtime_s": train_runtime,
        "eval_runtime_s": eval_runtime,
        "eval_share": eval_runtime / train_runtime if train_runtime > 0 else float("nan"),
        "train_pairs_per_second": pairs_trained / training if training > 0 else float("nan"),
    }


def training_metrics(state: TrainerState, pairs_per_epoch: int) -> dict[str, float]:
    """``epochs_trained`` (fewer than ``trainer.epochs`` after an early stop) and the :func:`timing_metrics`."""
    epochs_trained = round(state.epoch or 0)
    timings = timing_metrics(state.log_history, pairs_trained=pairs_per_epoch * epochs_trained)
    return {"epochs_trained": float(epochs_trained), **timings}


def early_stopping(patience: int | None, save_checkpoints: bool) -> list[TrainerCallback]:
    """Stop after ``patience`` epochs without a better selection metric (none when ``patience`` is null).

    Uses transformers' own :class:`~transformers.EarlyStoppingCallback`, which needs the per-epoch
    checkpoints that restore the best epoch.
    """
    if patience is None:
        return []
    if not isinstance(patience, int) or patience < 1:
        raise ConfigurationError(
            f"evaluation.early_stopping_patience must be a positive integer or null, got {patience!r}"
        )
    if not save_checkpoints:
        raise ConfigurationError("evaluation.early_stopping_patience needs trainer.save_checkpoints=true")
    return [EarlyStoppingCallback(early_stopping_patience=patience)]


class TimeBudget(TrainerCallback):
    """Stop after the epoch whose successor would end past ``minutes`` of training (dev scoring included).

    Whole epochs only, so every epoch trained is scored on dev and can be selected; the learning-rate schedule
    stays the one planned for ``trainer.epochs``. The clock starts when this process starts training.
    """

    def __init__(self, minutes: float) -> None:
        self.seconds = 60.0 * minutes
        self.started = time.monotonic()
        self.epochs_here = 0

    def on_train_begin(self, args: Any, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        self.started = time.monotonic()

    def on_epoch_end(self, args: Any, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        self.epochs_here += 1
        elapsed = time.monotonic() - self.started
        last_planned = (state.epoch or 0) >= args.num_train_epochs - 1e-6
        if not last_planned and elapsed + elapsed / self.epochs_here > self.seconds:
            logger.info(
                "trainer.time_budget_minutes=%g: stopping after epoch %d (%.1f min trained; one more would pass it)",
                self.seconds / 60.0,
                round(state.epoch or 0),
                elapsed / 60.0,
            )
            control.should_training_stop = True


def time_budget(minutes: float | None) -> list[TrainerCallback]:
    """A :class:`TimeBudget` for ``trainer.time_budget_minutes`` (none when it is null)."""
    return [] if minutes is None else [TimeBudget(float(minutes))]


class StopOnSignal(TrainerCallback):
    """Raises a recorded Ctrl-C, SIGTERM or SIGHUP at the next step, evaluation or checkpoint (see
    :mod:`experiments.signals`)."""

    def on_step_end(self, *args: Any, **kwargs: Any) -> None:
        raise_pending_signal()

    def on_evaluate(self, *args: Any, **kwargs: Any) -> None:
        raise_pending_signal()

    def on_save(self, *args: Any, **kwargs: Any) -> None:
        raise_pending_signal()
