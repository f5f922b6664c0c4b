"""The components a config may name when it is read back from a run: the ``_target_`` values of the conf/ registry.

``experiments-ensemble`` and ``experiments-reproduce`` instantiate the config a run logged
(``config/resolved.yaml``). :func:`check_targets` refuses one that names anything the registry does not, so an
artifact in the tracking store cannot choose code to run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf

from experiments.errors import ConfigurationError

TARGET = "_target_"


def _targets(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` of every ``_target_`` in nested mappings and lists."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            name = f"{path}.{key}" if path else str(key)
            if key == TARGET:
                yield name, value
            else:
                yield from _targets(value, name)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _targets(value, f"{path}[{index}]")


@cache
def registered_targets(conf_dir: str | None = None) -> frozenset[str]:
    """Every ``_target_`` named in the YAML files under ``conf_dir`` (the project's ``conf/`` by default)."""
    if conf_dir is None:
        from experiments.config.location import config_dir

        conf_dir = config_dir()
    found = set()
    for path in sorted(Path(conf_dir).rglob("*.yaml")):
        for _, target in _targets(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found.add(str(target))
    return frozenset(found)


def check_targets(config: Any, source: str) -> None:
    """Refuse a config (read back from ``source``) whose ``_target_`` values are not all in :func:`registered_targets`.

    Raises :class:`ConfigurationError` naming the key, the value and the source.
    """
    if isinstance(config, DictConfig | ListConfig):
        config = OmegaConf.to_container(config, resolve=False)
    allowed = registered_targets()
    for key, target in _targets(config):
        if target not in allowed:
            raise ConfigurationError(
                f"{source}: {key}={target!r} is not a component of the conf/ registry; a config read back from a "
                f"run may name only those ({len(allowed)} targets, e.g. {sorted(allowed)[0]!r})"
            )
