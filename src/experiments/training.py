"""The trainer's arguments from the ``trainer`` config keys, and a trainer that stops on a non-finite loss."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments

from experiments.errors import ConfigurationError


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


def training_arguments(
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
    bf16: bool = False,
    save_checkpoints: bool = True,
    dataloader_num_workers: int = 0,
    extra_args: Mapping[str, Any] | None = None,
) -> CrossEncoderTrainingArguments:
    """Training arguments with per-epoch evaluation and best-epoch selection by ``select_metric``.

    ``extra_args`` passes any other :class:`transformers.TrainingArguments` field through unchanged.
    """
    for key, value in {"epochs": epochs, "batch_size": batch_size}.items():
        if not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"trainer.{key} must be a positive integer, got {value!r}")
    if not learning_rate > 0:
        raise ConfigurationError(f"trainer.learning_rate must be positive, got {learning_rate!r}")
    if not 0 <= warmup_ratio < 1:
        raise ConfigurationError(f"trainer.warmup_ratio must be in [0, 1), got {warmup_ratio!r}")
    if bf16 and not torch.cuda.is_available():
        raise ConfigurationError("trainer.bf16=true needs a CUDA device; none is available")
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
        "bf16": bf16,
        "eval_strategy": "epoch",
        "logging_strategy": "epoch",
        "save_strategy": "epoch" if save_checkpoints else "no",
        "save_total_limit": 1 if save_checkpoints else None,
        "load_best_model_at_end": save_checkpoints,
        "metric_for_best_model": select_metric,
        "greater_is_better": True,
        "report_to": [],
        "dataloader_num_workers": dataloader_num_workers,
        # Under torchrun: every parameter is used in each step; the default (True for a CrossEncoder) breaks DDP
        "ddp_find_unused_parameters": False,
        "disable_tqdm": False,
    }
    if batch_sampler is not None:
        arguments["batch_sampler"] = batch_sampler
    arguments.update(extra_args or {})
    return CrossEncoderTrainingArguments(**arguments)


class GuardedCrossEncoderTrainer(CrossEncoderTrainer):
    """``CrossEncoderTrainer`` that raises :class:`NonFiniteLossError` at the first NaN or infinite loss."""

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
