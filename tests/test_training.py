"""Timings read from the trainer's log history."""

from __future__ import annotations

import pytest

from experiments.config.trainer_arguments import OWNED_ARGUMENTS, check_extra_args
from experiments.errors import ConfigurationError
from experiments.run.training import argument_values, epoch_of_checkpoint, timing_metrics


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
