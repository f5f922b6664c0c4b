"""The ``TrainingArguments`` fields the trainer section and the runner set, which ``trainer.extra_args`` may not set.

Checked with the config (:func:`experiments.config.check_config`), before torch is imported: what it checks is a
list of names, kept in step with :func:`experiments.run.training.argument_values` by a test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from experiments.errors import ConfigurationError

OWNED_ARGUMENTS = {
    "output_dir": "output_dir",
    "seed": "seed",
    "data_seed": "seed",
    "num_train_epochs": "trainer.epochs",
    "max_steps": "trainer.epochs",
    "per_device_train_batch_size": "trainer.batch_size",
    "learning_rate": "trainer.learning_rate",
    "warmup_steps": "trainer.warmup_ratio",
    "warmup_ratio": "trainer.warmup_ratio",
    "weight_decay": "trainer.weight_decay",
    "max_grad_norm": "trainer.max_grad_norm",
    "bf16": "trainer.precision",
    "fp16": "trainer.precision",
    "bf16_full_eval": "trainer.precision",
    "fp16_full_eval": "trainer.precision",
    "eval_strategy": "the runner (dev is scored after every epoch)",
    "logging_strategy": "the runner (one log per epoch)",
    "save_strategy": "trainer.save_checkpoints",
    "save_total_limit": "trainer.save_checkpoints",
    "load_best_model_at_end": "trainer.save_checkpoints",
    "metric_for_best_model": "evaluation.select_metric",
    "greater_is_better": "evaluation.select_metric",
    "report_to": "tracking (the runner logs to MLflow itself)",
    "dataloader_num_workers": "trainer.dataloader_num_workers",
    "dataloader_pin_memory": "the runner (pinned memory on a GPU only)",
    "ddp_find_unused_parameters": "the runner (every parameter is used in each step)",
    "disable_tqdm": "the runner",
    "batch_sampler": "the sampling option and trainer.group_by_length",
}
"""Each ``TrainingArguments`` field the trainer section or the runner sets -> what sets it;
``trainer.extra_args`` may not set these (:func:`check_extra_args`). ``use_cpu`` is not among them: bf16 on a CPU
sets it, and ``+trainer.extra_args.use_cpu=true`` runs DDP on CPUs."""


def check_extra_args(extra_args: Mapping[str, Any] | None) -> None:
    """Refuse ``trainer.extra_args`` that would override what a config key or the runner sets (one line, naming it)."""
    owned = [key for key in extra_args or {} if key in OWNED_ARGUMENTS]
    if owned:
        key, owner = owned[0], OWNED_ARGUMENTS[owned[0]]
        advice = f"set {owner} instead" if re.fullmatch(r"[\w.]+", owner) else "remove it"
        raise ConfigurationError(
            f"trainer.extra_args.{key} would override what {owner} sets; {advice} "
            "(trainer.extra_args is for the TrainingArguments fields nothing else sets)"
        )
