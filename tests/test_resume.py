"""Resuming a killed job: what the runner needs from earlier epochs survives, and the config must match."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from experiments.errors import ConfigurationError
from experiments.run.runner import train
from tests.conftest import fast_overrides
from tests.test_faults import runs, start_job, wait_for_checkpoint

# Updates of ~1e-30 leave every weight as it is: all epochs score alike and the first stays the best.
FROZEN = ("trainer.learning_rate=1e-30",)


def kill_after_first_checkpoint(tracking_uri: str, overrides: tuple[str, ...], run_dir: Path) -> None:
    job = start_job(run_dir, tracking_uri, overrides)
    wait_for_checkpoint(job, run_dir, timeout=900)
    job.send_signal(signal.SIGKILL)
    job.wait()
    assert not (run_dir / "model").exists(), "the job finished before it was killed"


def test_a_resume_after_the_best_epoch_finishes_with_a_model(
    compose_config, tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    overrides = (*fast_overrides(tiny_wikiqa, epochs=3), *FROZEN)
    run_dir = tmp_path / "run"
    kill_after_first_checkpoint(tracking_uri, overrides, run_dir)

    summary = train(compose_config(*overrides, "resume=true"))

    assert summary["best_epoch"] == 1.0
    assert (run_dir / "model" / "decision.json").is_file()
    (run,) = runs(tracking_uri)
    assert run.info.status == "FINISHED"


def test_a_resume_with_another_config_is_refused_naming_the_keys(compose_config, tracking_uri: str, tiny_wikiqa: Path):
    overrides = (*fast_overrides(tiny_wikiqa, epochs=1), "keep_checkpoints=true")
    train(compose_config(*overrides))
    changed = (*overrides, "resume=true", "seed=8", "trainer.learning_rate=0.01")
    with pytest.raises(
        ConfigurationError,
        match=r"resume=true: the config differs from the run in .*run \(run_config.yaml\) in "
        r"seed: 42 -> 8; trainer.learning_rate: 0.001 -> 0.01; resume with the original settings",
    ):
        train(compose_config(*changed))
    (run,) = runs(tracking_uri)
    assert run.info.status == "FINISHED" and run.data.params["seed"] == "42"


def flip_labels(tsv: Path) -> None:
    """Swap labels 0 and 1 in a WikiQA file (the label is the last column)."""
    header, *rows = tsv.read_text(encoding="utf-8").splitlines(keepends=True)
    flipped = [row[: row.rindex("\t") + 1] + ("1" if row.rstrip("\n").endswith("0") else "0") + "\n" for row in rows]
    tsv.write_text(header + "".join(flipped), encoding="utf-8")


def test_a_resume_on_changed_data_is_refused_naming_the_split(
    compose_config, tracking_uri: str, tiny_wikiqa: Path, tmp_path: Path
):
    data = Path(shutil.copytree(tiny_wikiqa, tmp_path / "data"))
    overrides = (*fast_overrides(data, epochs=1), "keep_checkpoints=true")
    train(compose_config(*overrides))
    (before,) = runs(tracking_uri)
    flip_labels(data / "WikiQA-train.tsv")
    with pytest.raises(
        ConfigurationError,
        match=r"^resume=true: the train data differs from the data the run in .*run started with \(fingerprints in "
        r"data_fingerprints.json: train: [0-9a-f]{16} -> [0-9a-f]{16}\); resume with the original data, or start a "
        r"new run without resume=true$",
    ):
        train(compose_config(*overrides, "resume=true"))
    (after,) = runs(tracking_uri)  # the run was not touched
    assert after.info.status == "FINISHED" and after.info.end_time == before.info.end_time
    assert "error" not in after.data.tags
