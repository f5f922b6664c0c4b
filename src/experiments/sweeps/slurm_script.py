"""``experiments-slurm-script OVERRIDES...``: the sbatch script ``experiments-train -m OVERRIDES`` would submit.

``hydra/launcher=submitit_slurm`` submits each batch of a sweep as one SLURM job array through submitit, without
showing the script. This composes the sweep's config as ``experiments-train -m`` would, counts the jobs of its
first batch (the basic sweeper's grid, ``hydra.sweeper.params`` included; one batch unless
``hydra.sweeper.max_batch_size`` is set), builds the submitit executor from ``hydra.launcher`` the way
hydra-submitit-launcher does, and prints the script submitit writes. Nothing is submitted; ``sbatch`` need not exist.

Example::

    experiments-slurm-script experiment=imbalance_grid hydra/launcher=submitit_slurm \\
        hydra.launcher.partition=gpu hydra.launcher.gpus_per_node=1 hydra.launcher.array_parallelism=8
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from hydra import initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import OmegaConf

from experiments.config import register_configs
from experiments.errors import ConfigurationError

SUBMITIT_LAUNCHER = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
# hydra-submitit-launcher's keys that submitit's AutoExecutor translates for every cluster.
SHARED_KEYS = ("timeout_min", "mem_gb", "nodes", "cpus_per_task", "gpus_per_node", "tasks_per_node", "name")


def first_batch_size(sweeper: Any, overrides: Sequence[str]) -> int:
    """The number of jobs in the basic sweeper's first batch for ``overrides`` (its ``params`` first)."""
    params = [f"{key}={value}" for key, value in (sweeper.get("params") or {}).items()]
    parsed = OverridesParser.create().parse_overrides([*params, *overrides])
    batches = BasicSweeper.split_arguments(parsed, sweeper.get("max_batch_size"))
    return len(batches[0])


def slurm_script(overrides: Sequence[str], config_dir: str) -> str:
    """The sbatch script of the first job array of ``experiments-train -m <overrides>``."""
    from submitit.slurm.slurm import SlurmExecutor

    class ScriptWriter(SlurmExecutor):
        """submitit's SLURM executor on a machine without ``srun``: it writes scripts, it submits nothing."""

        @classmethod
        def affinity(cls) -> int:
            return 1

    GlobalHydra.instance().clear()
    register_configs()
    try:
        with initialize_config_dir(config_dir=config_dir, version_base="1.3"):  # as -m composes, sweeps left out
            loader = GlobalHydra.instance().config_loader()
            cfg = loader.load_configuration("train", list(overrides), run_mode=RunMode.MULTIRUN)
    finally:
        GlobalHydra.instance().clear()
    launcher = OmegaConf.to_container(cfg.hydra.launcher, resolve=False)
    assert isinstance(launcher, dict)
    if launcher.get("_target_") != SUBMITIT_LAUNCHER:
        raise ConfigurationError("the sweep does not use hydra/launcher=submitit_slurm: add it to the overrides")
    sweep_dir = str(cfg.hydra.sweep.dir)
    jobs = first_batch_size(cfg.hydra.sweeper, [item for item in overrides if not item.startswith("hydra")])
    # As hydra-submitit-launcher's launch() and submitit's AutoExecutor: the folder and max_num_timeout to the
    # executor, the shared keys (timeout_min, mem_gb, ...) converted to SLURM's names, the other keys as they are.
    params = {key: value for key, value in launcher.items() if key != "_target_" and value is not None}
    folder = str(params.pop("submitit_folder")).replace("${hydra.sweep.dir}", sweep_dir)
    params["name"] = str(params["name"]).replace("${hydra.job.name}", "train")
    executor = ScriptWriter(folder, max_num_timeout=params.pop("max_num_timeout"))
    shared = {key: params.pop(key) for key in SHARED_KEYS if key in params}
    executor.update_parameters(**executor._convert_parameters(shared), **params)
    executor.parameters["map_count"] = jobs  # as submitit's map_array does for a job array
    return executor._make_submission_file_text(executor._submitit_command_str, "uid")


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry: prints the script; exit status 2 on a sweep that does not use the submitit SLURM launcher."""
    parser = argparse.ArgumentParser(
        prog="experiments-slurm-script",
        description="Print the sbatch script that experiments-train -m OVERRIDES would submit (nothing is submitted).",
    )
    parser.add_argument("overrides", nargs="+", help="the sweep's overrides, hydra/launcher=submitit_slurm among them")
    args = parser.parse_args(argv)
    from experiments.config.location import config_dir

    try:
        sys.stdout.write(slurm_script(args.overrides, config_dir()) + "\n")
    except ConfigurationError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
