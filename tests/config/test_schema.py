"""Bad configs fail at compose time (Hydra + the schemas) or before anything is loaded (range checks)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import ConfigCompositionException
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf

from experiments.config import check_config, register_configs
from experiments.config.location import config_dir
from experiments.config.schema import EvaluationConfig, RunConfig, TrackingConfig, TrainerConfig
from experiments.errors import ConfigurationError
from experiments.run.runner import check_run_config, train


def compose_only(*overrides: str, searchpath: Path | None = None):
    GlobalHydra.instance().clear()
    register_configs()
    extra = [f"hydra.searchpath=[file://{searchpath}]"] if searchpath else []
    try:
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            return compose("train", overrides=[*overrides, *extra])
    finally:
        GlobalHydra.instance().clear()


def write_experiment(folder: Path, name: str, body: str) -> Path:
    (folder / "experiment").mkdir(parents=True, exist_ok=True)
    (folder / "experiment" / f"{name}.yaml").write_text(f"# @package _global_\n{body}", encoding="utf-8")
    return folder


@pytest.mark.parametrize("model", ["minilm", "tiny"])
def test_the_defaults_are_typed_and_pass_the_checks(model: str):
    cfg = compose_only(f"model={model}")
    assert OmegaConf.get_type(cfg) is RunConfig
    assert OmegaConf.get_type(cfg.trainer) is TrainerConfig
    assert OmegaConf.get_type(cfg.evaluation) is EvaluationConfig
    assert OmegaConf.get_type(cfg.tracking) is TrackingConfig
    check_config(cfg)


def test_a_value_of_the_wrong_type_fails_at_compose():
    with pytest.raises(ConfigCompositionException, match=r"Error merging override trainer.epochs=two") as error:
        compose_only("trainer.epochs=two")
    assert "Value 'two' of type 'str' could not be converted to Integer" in str(error.value.__cause__)


def test_a_misspelt_key_on_the_command_line_fails_at_compose():
    with pytest.raises(ConfigCompositionException, match=r"Could not override 'trainer.epoch'"):
        compose_only("trainer.epoch=3")


def test_an_unknown_option_lists_the_choices():
    with pytest.raises(ConfigCompositionException, match="Could not find 'loss/focall'") as error:
        compose_only("loss=focall")
    assert "plain" in str(error.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("trainer:\n  epoch: 3\n", "Key 'epoch' not in 'TrainerConfig'"),
        ("seeds: 3\n", "Key 'seeds' not in 'RunConfig'"),
        ("evaluation:\n  beta: high\n", "Value 'high' of type 'str' could not be converted to Float"),
        ("model:\n  hidden_sise: 8\n", "Key 'hidden_sise' not in 'TinyModelConfig'"),
    ],
)
def test_a_misspelt_key_or_a_wrong_type_in_an_experiment_file_fails_at_compose(tmp_path: Path, body: str, message):
    write_experiment(tmp_path, "typo", "defaults:\n  - override /model: tiny\n" + body)
    with pytest.raises(ConfigCompositionException, match=message):
        compose_only("experiment=typo", searchpath=tmp_path)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+trainer.epoch=3", r"unknown config key\(s\) \['trainer.epoch'\]: check the spelling against conf/"),
        ("+seeds=3", r"unknown config key\(s\) \['seeds'\]"),
        ("seed=4294967296", r"seed must be an integer in 0..4294967295 \(2\*\*32 - 1, numpy's range\), got 4294967296"),
        ("seed=-1", r"seed must be an integer in 0..4294967295"),
        ("trainer.epochs=0", "trainer.epochs must be a positive integer, got 0"),
        ("trainer.batch_size=0", "trainer.batch_size must be a positive integer, got 0"),
        ("trainer.learning_rate=-1e-5", "trainer.learning_rate must be positive, got -1e-05"),
        ("trainer.warmup_ratio=1", r"trainer.warmup_ratio must be in \[0, 1\), got 1.0"),
        ("evaluation.beta=0", "evaluation.beta must be positive, got 0.0"),
        ("evaluation.batch_size=0", "evaluation.batch_size must be a positive integer, got 0"),
        ("evaluation.select_metric=f1", "evaluation.select_metric must name a dev metric such as dev_f1, got 'f1'"),
        ("evaluation.threshold_metric=auc", r"evaluation.threshold_metric must be one of \['accuracy', 'f1', 'fbeta'"),
        ("tracking.health_timeout=0", "tracking.health_timeout must be positive, got 0.0"),
    ],
)
def test_values_out_of_range_fail_naming_the_key(override: str, message: str):
    with pytest.raises(ConfigurationError, match=message):
        check_config(compose_only(override))


def test_a_bad_value_fails_before_an_mlflow_run_exists(compose_config, tracking_uri: str):
    with pytest.raises(ConfigurationError, match=r"trainer.epochs must be a positive integer, got 0"):
        train(compose_config("experiment=smoke", "trainer.epochs=0"))
    assert MlflowClient(tracking_uri).get_experiment_by_name("crossencoder-imbalance") is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "+trainer.extra_args.num_train_epochs=50",
            "trainer.extra_args.num_train_epochs would override what trainer.epochs sets; set trainer.epochs instead",
        ),
        ("+trainer.extra_args.max_steps=10", "what trainer.epochs sets; set trainer.epochs instead"),
        ("+trainer.extra_args.learning_rate=0.1", "set trainer.learning_rate instead"),
        ("+trainer.extra_args.fp16=true", "what trainer.precision sets; set trainer.precision instead"),
        (
            "+trainer.extra_args.eval_strategy=steps",
            "what the runner (dev is scored after every epoch) sets; remove it",
        ),
        ("+trainer.extra_args.metric_for_best_model=loss", "set evaluation.select_metric instead"),
    ],
)
def test_extra_args_that_a_trainer_key_sets_are_refused(override: str, message: str):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        check_config(compose_only(override))


def test_extra_args_overriding_the_epochs_stop_the_run_before_an_mlflow_run_exists(compose_config, tracking_uri: str):
    with pytest.raises(ConfigurationError, match=re.escape("trainer.extra_args.num_train_epochs would override")):
        train(compose_config("experiment=smoke", "trainer.epochs=1", "+trainer.extra_args.num_train_epochs=50"))
    assert MlflowClient(tracking_uri).get_experiment_by_name("crossencoder-imbalance") is None


def test_extra_args_that_no_key_sets_pass_the_check():
    check_config(compose_only("+trainer.extra_args.gradient_accumulation_steps=2"))
    check_config(compose_only("+trainer.extra_args.use_cpu=true"))  # DDP on CPUs (docs/sweeps.md)


def test_an_output_dir_that_cannot_be_written_is_named(compose_config, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cfg = compose_config("experiment=smoke")
    cfg.output_dir = str(blocker / "run")
    with pytest.raises(ConfigurationError, match=f"output_dir='{blocker / 'run'}' cannot be written"):
        check_run_config(cfg)
