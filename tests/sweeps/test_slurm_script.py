"""``experiments-slurm-script``: the sbatch script of a sweep's job array, written by submitit, nothing submitted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from experiments.config.location import config_dir
from experiments.errors import ConfigurationError
from experiments.sweeps.slurm_script import main, slurm_script

GRID = ("experiment=smoke", "seed=1,2,3,4,5,6", "loss=plain,focal", "head=binary_sigmoid,binary_softmax")
SLURM = ("hydra/launcher=submitit_slurm", "hydra.launcher.partition=gpu", "hydra.launcher.gpus_per_node=1")


def test_a_24_job_grid_is_one_array_of_24_run_8_at_a_time_with_the_preemption_signal():
    script = slurm_script(
        [*GRID, *SLURM, "hydra.launcher.array_parallelism=8", "hydra.launcher.timeout_min=30", "hydra.sweep.dir=sw"],
        config_dir(),
    )
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    for flag in ("--array=0-23%8", "--partition=gpu", "--gpus-per-node=1", "--time=30", "--signal=USR2@120"):
        assert f"#SBATCH {flag}" in lines, flag
    assert "#SBATCH --job-name=train" in lines and "export SUBMITIT_EXECUTOR=slurm" in lines
    assert lines[-1].startswith("srun --unbuffered --output ")
    assert lines[-1].endswith(f"{sys.executable} -u -m submitit.core._submit {Path.cwd()}/sw/.submitit/%j")


def test_the_presets_own_grid_counts_and_a_batch_size_caps_the_array():
    script = slurm_script(["experiment=imbalance_grid", *SLURM, "hydra.sweeper.max_batch_size=10"], config_dir())
    assert "#SBATCH --array=0-9%10" in script.splitlines()


def test_a_sweep_without_the_slurm_launcher_is_refused(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(ConfigurationError, match="does not use hydra/launcher=submitit_slurm"):
        slurm_script(list(GRID), config_dir())
    assert main(list(GRID)) == 2
    message = "error: the sweep does not use hydra/launcher=submitit_slurm: add it to the overrides\n"
    assert capsys.readouterr().err == message
