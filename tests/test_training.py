"""Trainer settings from the ``trainer`` config section, and timings read from the trainer's log history."""

from __future__ import annotations

import dataclasses

import pytest
from omegaconf import OmegaConf
from transformers import EarlyStoppingCallback

from experiments.config.trainer_arguments import OWNED_ARGUMENTS, check_extra_args
from experiments.errors import ConfigurationError
from experiments.precision import resolve_precision
from experiments.run.training import (
    TimeBudget,
    TrainerSettings,
    argument_values,
    epoch_of_checkpoint,
    timing_metrics,
)


def test_timing_metrics_split_training_from_evaluation():
    history = [
        {"loss": 0.5, "epoch": 1.0},
        {"eval_runtime": 2.0, "eval_dev_f1": 0.4, "epoch": 1.0},
        {"eval_runtime": 3.0, "epoch": 2.0},
        {"train_runtime": 25.0, "train_samples_per_second": 16.0, "epoch": 2.0},
    ]
    assert timing_metrics(history, pairs_trained=400) == pytest.approx(
        {"train_runtime_s": 25.0, "eval_runtime_s": 5.0, "eval_share": 0.2, "train_pairs_per_second": 20.0}
    )


def test_the_restored_checkpoint_is_named_by_its_epoch():
    history = [
        {"loss": 0.5, "epoch": 1.0, "step": 19},
        {"eval_dev_f1": 0.2, "epoch": 1.0, "step": 19},
        {"eval_dev_f1": 0.1, "epoch": 2.0, "step": 38},
    ]
    assert epoch_of_checkpoint(history, "/run/checkpoints/checkpoint-19") == 1
    assert epoch_of_checkpoint(history, "/run/checkpoints/checkpoint-38") == 2
    assert epoch_of_checkpoint(history, "/run/checkpoints/checkpoint-7") is None


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_every_argument_the_trainer_section_sets_is_one_extra_args_may_not_set(precision: str):
    values = argument_values(output_dir="out", seed=1, select_metric="dev_f1", batch_sampler=print, precision=precision)
    assert set(values) - {"use_cpu"} <= set(OWNED_ARGUMENTS)
    for key in OWNED_ARGUMENTS:
        with pytest.raises(ConfigurationError, match=f"^trainer.extra_args.{key} would override what "):
            check_extra_args({key: values.get(key)})
    check_extra_args({"gradient_accumulation_steps": 4, "optim": "adamw_torch_fused"})


def trainer_section(compose_config, *overrides: str) -> dict:
    return OmegaConf.to_container(compose_config(*overrides).trainer, resolve=True)


def test_trainer_settings_take_every_key_of_the_trainer_section(compose_config):
    section = trainer_section(compose_config, "trainer.precision=fp32", "trainer.time_budget_minutes=5")
    settings = TrainerSettings.from_config(section)
    assert {field.name for field in dataclasses.fields(TrainerSettings)} == set(section)
    assert settings.epochs == 6 and settings.group_by_length and settings.length_chunk_batches == 64
    assert settings.time_budget_minutes == 5 and settings.precision == "fp32"


def test_trainer_settings_resolve_precision_auto_for_this_machine(compose_config):
    settings = TrainerSettings.from_config(trainer_section(compose_config, "trainer.precision=auto"))
    assert settings.precision == resolve_precision("auto") and settings.precision in {"bf16", "fp32"}


def test_trainer_settings_give_the_trainer_its_arguments(compose_config, tmp_path):
    overrides = ("trainer.precision=fp32", "trainer.epochs=3", "+trainer.extra_args.gradient_accumulation_steps=4")
    section = trainer_section(compose_config, *overrides)
    arguments = TrainerSettings.from_config(section).arguments(str(tmp_path), 7, "dev_mcc")
    assert arguments.num_train_epochs == 3 and arguments.per_device_train_batch_size == 32
    assert arguments.learning_rate == 1e-4 and arguments.warmup_steps == 0.1 and not arguments.bf16
    assert arguments.metric_for_best_model == "dev_mcc" and arguments.data_seed == 7
    assert arguments.gradient_accumulation_steps == 4  # extra_args pass through unchanged


def test_trainer_settings_stop_early_and_on_the_time_budget_only_when_set():
    assert TrainerSettings().stopping(None) == []
    kinds = [type(callback) for callback in TrainerSettings(time_budget_minutes=1.0).stopping(2)]
    assert kinds == [EarlyStoppingCallback, TimeBudget]
