"""The command line checked before Hydra starts: misspelt options and keys, and a single run's values and inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from experiments.config.location import config_dir
from experiments.errors import ConfigurationError
from experiments.run.overrides import check_command_line, group_options

LOSSES = (
    "dice, distillation, effective_number, focal, ghm, inverse_frequency, lambdaloss, listmle, listnet, "
    "logit_adjusted, mnrl, normalized, plain"
)


def check(*overrides: str, multirun: bool = False, run: bool = True) -> None:
    check_command_line(list(overrides), config_dir(), "train", multirun=multirun, run=run)


def test_the_groups_and_options_are_the_files_of_conf():
    options = group_options(config_dir())
    assert options["loss"] == LOSSES.split(", ")
    assert options["model"] == ["minilm", "tiny"]
    assert not any(group.startswith("hydra") for group in options)


def test_a_misspelt_option_lists_the_options_and_the_close_one():
    with pytest.raises(ConfigurationError) as error:
        check("loss=focall")
    assert str(error.value) == f"loss=focall: no such option; choose one of {LOSSES} (did you mean focal?)"


def test_a_schema_is_not_an_option():
    with pytest.raises(ConfigurationError, match=r"^model=tiny_schema: no such option; choose one of minilm, tiny$"):
        check("model=tiny_schema")


def test_each_value_of_a_sweep_is_checked_and_the_bad_one_named():
    with pytest.raises(ConfigurationError, match=r"^loss=focall: no such option; choose one of dice, "):
        check("loss=plain,focall", "seed=1,2", multirun=True)
    with pytest.raises(ConfigurationError, match=r"^\+experiment=smok: no such option; .* \(did you mean smoke\?\)$"):
        check("+experiment=smok")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("trainer.epoch=3", "trainer.epoch=3: no such key; did you mean trainer.epochs?"),
        ("trainr.epochs=3", "trainr.epochs=3: no such key; did you mean trainer.epochs?"),
        ("seeds=3", "seeds=3: no such key; did you mean seed?"),
        ("trainer.epochs.max=3", "trainer.epochs.max=3: no such key: trainer.epochs is a value, not a section"),
        ("data.column_names=[a,b]", "data.column_names=[a,b]: no such key; data has max_train_rows, root"),
    ],
)
def test_a_misspelt_key_names_the_close_matches(override: str, message: str):
    with pytest.raises(ConfigurationError) as error:
        check(override)
    assert str(error.value) == message


def test_keys_are_checked_against_the_options_the_command_line_chooses():
    check("data=files", "data.train=x.csv", "data.column_names=[a,b]", run=False)  # keys of data=files
    check("experiment=smoke", "model.hidden_size=8", run=False)  # the experiment chooses model=tiny
    with pytest.raises(ConfigurationError, match=r"^model.hidden_size=8: no such key; model has "):
        check("model.hidden_size=8", run=False)


def test_a_sweep_with_known_options_and_keys_passes_and_its_values_are_not_range_checked():
    check("loss=plain,focal", "seed=1,2", "trainer.learning_rate=-1,1e-3", "hydra/launcher=joblib", multirun=True)
    check("trainer.learning_rate=interval(1e-5,1e-3)", "loss=glob(f*)", multirun=True)


def test_a_single_run_checks_its_values_before_hydra_starts():
    with pytest.raises(ConfigurationError, match=r"^trainer.learning_rate must be positive, got -1.0$"):
        check("trainer.learning_rate=-1")
    with pytest.raises(
        ConfigurationError,
        match=r"^Error merging override trainer.epochs=two: Value 'two' of type 'str' could not be converted to Int",
    ):
        check("trainer.epochs=two")
    check("trainer.learning_rate=-1", run=False)  # --cfg job shows the config as it is


def test_a_single_run_checks_its_data_files_and_model_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ConfigurationError, match=r"^data.train: file not found: /nonexistent/pairs.csv$"):
        check("data=files", "data.train=/nonexistent/pairs.csv")
    with pytest.raises(ConfigurationError, match=rf"^data.dev: file not found: {tmp_path}/dev.csv$"):
        (tmp_path / "train.csv").write_text("a,b,label\nx,y,1\n")
        check("data=files", "data.train=train.csv", "data.dev=dev.csv", f"data.root={tmp_path}")
    with pytest.raises(ConfigurationError, match=rf"^data.root: file not found: {tmp_path}/WikiQA-train.tsv$"):
        check(f"data.root={tmp_path}")
    with pytest.raises(ConfigurationError, match=r"^model.name: the local model folder '/nonexistent' does not exist$"):
        check("model.name=/nonexistent")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        ConfigurationError, match=r"^model.name='no-such-owner/no-such-model' is not a local folder and "
    ):
        check("model.name=no-such-owner/no-such-model")
    check("experiment=smoke")  # the tiny model and the shipped WikiQA: nothing to complain about


def test_a_syntax_error_is_left_to_hydra_which_shows_where_it_is():
    check("trainer.epochs=(")


def test_hydras_own_groups_and_keys_are_one_line_too():
    with pytest.raises(ConfigurationError, match=r"^In 'hydra/config': Could not find 'hydra/launcher/no_launcher'; "
                       r"choose one of basic, "):  # fmt: skip
        check("hydra/launcher=no_launcher")
    with pytest.raises(
        ConfigurationError, match=r"^Could not override 'hydra.no_such_key': Key 'no_such_key' not in 'HydraConf'$"
    ):
        check("hydra.no_such_key=1")


def test_a_misspelt_key_in_an_experiment_file_is_one_line_for_a_single_run(tmp_path: Path):
    conf = tmp_path / "conf"
    shutil.copytree(config_dir(), conf)
    (conf / "experiment" / "mine.yaml").write_text("# @package _global_\ntrainer:\n  epoch: 3\n")
    with pytest.raises(ConfigurationError, match=r"^In 'experiment/mine': Key 'epoch' not in 'TrainerConfig'$"):
        check_command_line(["experiment=mine"], str(conf), "train", multirun=False)
