"""The resolved config of a run, kept in its ``output_dir``, so that ``resume=true`` continues the same run.

A resume with another seed, learning rate or data would mix two experiments in one MLflow run (params
of the first, results of the second): :func:`pin_run_config` refuses it and names the keys that differ.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from experiments.distributed import is_main_process
from experiments.errors import ConfigurationError
from experiments.tracking.mlflow_tracker import flatten

logger = logging.getLogger(__name__)

CONFIG_FILE = "run_config.yaml"
# Keys that may change between a run and its resume: how to resume, where, and how to reach the store.
RESUMABLE_KEYS = ("resume", "output_dir", "keep_checkpoints", "fail_fast", "tracking.")


def _compared(config: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in flatten(config).items() if not key.startswith(RESUMABLE_KEYS)}


def config_differences(original: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """``key: original -> current`` for every compared key whose value differs (or is only in one)."""
    before, after = _compared(original), _compared(current)
    missing = object()
    return [
        f"{key}: {before.get(key, '(absent)')!r} -> {after.get(key, '(absent)')!r}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key, missing) != after.get(key, missing)
    ]


def pin_run_config(config: Mapping[str, Any], output_dir: str | Path, resume: bool, claim: bool = True) -> None:
    """Write ``config`` (already redacted) to ``output_dir``; on ``resume`` first refuse one that differs.

    With ``claim`` (a new run, ``resume=false``) the file is created only if it does not exist: that claims the
    folder, so that of two runs started at once on one ``output_dir`` the second stops here, before its MLflow
    run exists (``resume=auto`` starting afresh overwrites it). Under ``torchrun`` rank 0 writes it (the other
    ranks share its folder).
    """
    path = Path(output_dir) / CONFIG_FILE
    if resume:
        if not path.is_file():
            logger.warning("resume=true: %s not found (a run from an older version); the config is not compared", path)
            return
        original = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        differences = config_differences(original, config)
        if differences:
            raise ConfigurationError(
                f"resume=true: the config differs from the run in {output_dir} ({path.name}) in "
                f"{'; '.join(differences)}; resume with the original settings, or start a new run without resume=true"
            )
        return
    if not is_main_process():
        return
    try:
        with path.open("x" if claim else "w", encoding="utf-8") as handle:
            handle.write(yaml.safe_dump(dict(config), sort_keys=False))
    except FileExistsError:
        raise ConfigurationError(
            f"output_dir={str(output_dir)!r} was claimed by another run started at the same moment (its {path.name} "
            "appeared after this run checked the folder); choose another output_dir"
        ) from None
