"""A run's output_dir is its own: a used folder is refused, a run deletes only what it wrote, runs started in the
same second get folders of their own, and an ensemble never scores one model twice."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf

from experiments.config import register_configs
from experiments.config.location import config_dir
from experiments.errors import ConfigurationError
from experiments.models.digest import folder_digest
from experiments.reporting.ensemble import evaluate_ensemble
from experiments.reporting.reproduce import reproduce
from experiments.run.output_dir import remove_checkpoints
from experiments.run.pinned_config import pin_run_config
from experiments.run.runner import train
from tests.conftest import fast_overrides
from tests.test_decision import saved_tiny_classifier
from tests.test_faults import runs


def test_a_used_output_dir_is_refused_before_any_mlflow_run(compose_config, tracking_uri: str, tiny_wikiqa: Path):
    overrides = fast_overrides(tiny_wikiqa, epochs=1)
    train(compose_config(*overrides, "seed=1"))
    (first,) = runs(tracking_uri)
    model = Path(first.data.tags["model_dir"])
    with pytest.raises(
        ConfigurationError,
        match=rf"^output_dir='{re.escape(str(model.parent))}' already holds a run \(data_fingerprints.json, "
        r"mlflow_run_id, model/, run_config.yaml\); continue that run with resume=true, or choose another output_dir$",
    ):
        train(compose_config(*overrides, "seed=2"))
    assert [run.info.run_id for run in runs(tracking_uri)] == [first.info.run_id]
    assert folder_digest(model) == first.data.tags["model_digest"]  # the first run's model is the one saved


def test_files_the_user_put_in_output_dir_are_not_deleted(compose_config, tracking_uri: str, tiny_wikiqa: Path):
    cfg = compose_config(*fast_overrides(tiny_wikiqa, epochs=1))
    notes = Path(cfg.output_dir) / "checkpoints" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("mine")
    with pytest.raises(
        ConfigurationError, match=r"is not empty \(checkpoints/\); a new run needs an empty or new folder"
    ):
        train(cfg)
    assert notes.read_text() == "mine"
    assert runs(tracking_uri) == []


def test_only_the_trainers_checkpoint_folders_are_deleted(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    folder = tmp_path / "checkpoints"
    for name in ("checkpoint-4", "checkpoint-8", "eval", "checkpoint-best", "4"):
        (folder / name).mkdir(parents=True)
    (folder / "checkpoint-8" / "trainer_state.json").write_text("{}")
    (folder / "notes.txt").write_text("mine")
    with caplog.at_level(logging.WARNING):
        remove_checkpoints(folder)
    assert sorted(path.name for path in folder.iterdir()) == ["4", "checkpoint-best", "notes.txt"]
    assert f"Kept {folder}: it holds files the run did not write (4, checkpoint-best, notes.txt)" in caplog.text
    for name in ("4", "checkpoint-best"):
        (folder / name).rmdir()
    (folder / "notes.txt").unlink()
    (folder / "checkpoint-12").mkdir()
    remove_checkpoints(folder)
    assert not folder.exists()


def test_of_two_runs_claiming_one_folder_at_once_the_second_stops(tmp_path: Path):
    pin_run_config({"seed": 1}, tmp_path, resume=False)
    with pytest.raises(ConfigurationError, match="was claimed by another run started at the same moment"):
        pin_run_config({"seed": 2}, tmp_path, resume=False)
    assert yaml.safe_load((tmp_path / "run_config.yaml").read_text()) == {"seed": 1}


def job_folders() -> tuple[str, str]:
    """Hydra's run and sweep folders, as a newly started ``experiments-train`` resolves them."""
    GlobalHydra.instance().clear()
    register_configs()
    try:
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            hydra = compose("train", return_hydra_config=True).hydra
            return str(hydra.run.dir), str(hydra.sweep.dir)
    finally:
        GlobalHydra.instance().clear()


def test_runs_started_in_the_same_second_get_folders_of_their_own():
    first, second = job_folders(), job_folders()
    assert first[0] != second[0] and first[1] != second[1]
    assert re.fullmatch(r"outputs/\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d-\d{6}", first[0]), first[0]


@pytest.mark.slow
def test_three_runs_started_together_without_output_dir_each_finish_in_a_folder_of_their_own(
    tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    common = [sys.executable, "-m", "experiments.train", *fast_overrides(tiny_wikiqa, epochs=1)]
    jobs = [
        subprocess.Popen(
            [*common, f"seed={seed}", f"tracking.tracking_uri={tracking_uri}"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2, 3)
    ]
    for job in jobs:
        _, stderr = job.communicate(timeout=900)
        assert job.returncode == 0, stderr[-3000:]
    folders = sorted(path for path in (tmp_path / "outputs").glob("*/*") if path.is_dir())
    assert len(folders) == 3
    seeds = sorted(yaml.safe_load((folder / "run_config.yaml").read_text())["seed"] for folder in folders)
    assert seeds == [1, 2, 3]
    finished = runs(tracking_uri)
    assert sorted(run.info.status for run in finished) == ["FINISHED"] * 3
    assert sorted(run.data.tags["model_dir"] for run in finished) == [str(folder / "model") for folder in folders]
    for run in finished:
        assert folder_digest(run.data.tags["model_dir"]) == run.data.tags["model_digest"]


def run_with(client: MlflowClient, experiment_id: str, model_dir: Path, **tags: str) -> str:
    """A run that saved its model in ``model_dir`` (tags as the runner sets them)."""
    return client.create_run(experiment_id, tags={"model_dir": str(model_dir), **tags}).info.run_id


def test_an_ensemble_never_scores_one_model_twice(tracking_uri: str, tmp_path: Path):
    client = MlflowClient(tracking_uri)
    experiment = client.create_experiment("ensemble")
    folder = saved_tiny_classifier(tmp_path / "run" / "model")
    # Two runs of one output_dir before a used folder was refused: both tags name the later model
    first, second = run_with(client, experiment, folder), run_with(client, experiment, folder)
    with pytest.raises(ConfigurationError, match=rf"runs {first} and {second} name the same model folder {folder}"):
        evaluate_ensemble([first, second], tracking_uri)
    copy = run_with(client, experiment, Path(shutil.copytree(folder, tmp_path / "copy" / "model")))
    with pytest.raises(ConfigurationError, match=rf"runs {first} and {copy} hold identical models"):
        evaluate_ensemble([first, copy], tracking_uri)
    replaced = run_with(client, experiment, tmp_path / "copy" / "model", model_digest="0123456789abcdef")
    with pytest.raises(
        ConfigurationError, match=rf"run {replaced}: its model folder .* no longer holds the model the run saved"
    ):
        evaluate_ensemble([first, replaced], tracking_uri)


def test_a_logged_config_naming_code_outside_conf_is_refused(
    compose_config, tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    cfg = OmegaConf.to_container(compose_config(*fast_overrides(tiny_wikiqa, epochs=1)), resolve=True)
    cfg["data"]["_target_"] = "os.abort"
    client = MlflowClient(tracking_uri)
    experiment = client.create_experiment("crossencoder-imbalance")
    members = []
    for name in ("a", "b"):
        members.append(run_with(client, experiment, saved_tiny_classifier(tmp_path / name / "model")))
        client.log_text(members[-1], OmegaConf.to_yaml(cfg), "config/resolved.yaml")
    refusal = rf"config/resolved.yaml of run {members[0]}: data._target_='os.abort' is not a component of the conf/"
    with pytest.raises(ConfigurationError, match=refusal):
        evaluate_ensemble(members, tracking_uri)
    with pytest.raises(ConfigurationError, match=refusal):
        reproduce(members[0], tracking_uri, tmp_path / "reproduced")
