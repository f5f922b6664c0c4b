"""What a run checks before it imports torch or writes anything: the config's values and the inputs it names.

``experiments-train`` runs :func:`preflight` on the composed config before Hydra starts the job, so a value out of
range, a missing data file or a missing model folder answers in about a second, with no ``outputs/`` folder and no
MLflow run. The runner checks the inputs again in its plan (a run started from Python; a sweep job, whose failure
is recorded in its MLflow run).
"""

from __future__ import annotations

from typing import Any

from hydra.utils import get_object
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import InterpolationResolutionError

from experiments.config import check_config
from experiments.inputs import check_inputs as check_component_inputs

# The groups whose components read files, folders or hub models (their modules are cheap to import).
INPUT_GROUPS = ("data", "model")


def component_arguments(node: DictConfig) -> dict[str, Any] | None:
    """The keyword arguments a ``_target_`` node passes, or None when they cannot be resolved yet.

    ``${hydra:...}`` interpolations resolve only inside a Hydra job; such a node is checked there, by the runner.
    """
    try:
        arguments = OmegaConf.to_container(node, resolve=True)
    except InterpolationResolutionError:
        return None
    assert isinstance(arguments, dict)
    return {str(key): value for key, value in arguments.items() if not str(key).startswith("_")}


def check_inputs(cfg: DictConfig) -> None:
    """Run the input checks the ``data`` and ``model`` components declare (:mod:`experiments.inputs`)."""
    for group in INPUT_GROUPS:
        node = cfg.get(group)
        if not isinstance(node, DictConfig) or "_target_" not in node:
            continue
        arguments = component_arguments(node)
        if arguments is not None:
            check_component_inputs(get_object(node._target_), arguments)


def preflight(cfg: DictConfig) -> None:
    """The config's keys and values (:func:`experiments.config.check_config`), then the inputs it names."""
    check_config(cfg)
    check_inputs(cfg)
