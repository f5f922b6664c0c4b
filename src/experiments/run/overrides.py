"""The command line checked before Hydra starts: a misspelt option or key is one line, not Hydra's message.

Hydra reports ``loss=focall`` with a 22-line message (the search path, every option) and exits with status 1;
``trainer.epoch=3`` likewise. :func:`check_command_line` parses the overrides with Hydra's own parser and checks

- every option a group is set to (``loss=focall``, also each value of a sweep ``loss=plain,focall``) against the
  files in ``conf/<group>/``;
- every key set (``trainer.epoch=3``) against the config composed with the command line's group choices (the first
  value of a group sweep), naming the close matches (:func:`difflib.get_close_matches`);
- for a single run, the whole composed config with :func:`experiments.run.preflight.preflight` (value ranges, the
  data files and the model folder), so these answer before Hydra makes a job folder or anything imports torch.

What it cannot judge (a syntax error, ``--config-dir``, ``glob(...)`` sweeps, a plugin's own groups) is left to
Hydra, which reports it as before.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType, ValueType
from hydra.errors import ConfigCompositionException, HydraException, MissingConfigException
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig

from experiments.config import register_configs
from experiments.errors import ConfigurationError
from experiments.run.preflight import preflight

# Sweeps whose values can be listed; glob(...) needs Hydra's config loader, interval(...) is continuous.
LISTED_SWEEPS = (ValueType.CHOICE_SWEEP, ValueType.SIMPLE_CHOICE_SWEEP, ValueType.RANGE_SWEEP)


def group_options(config_dir: str | Path) -> dict[str, list[str]]:
    """Each config group of ``config_dir`` (a folder holding YAML files, ``hydra/...`` left out) and its options."""
    root = Path(config_dir)
    options: dict[str, set[str]] = {}
    for file in root.rglob("*.yaml"):
        relative = file.relative_to(root)
        if len(relative.parts) < 2 or relative.parts[0] == "hydra":
            continue
        group = relative.parts[0]
        options.setdefault(group, set()).add(relative.relative_to(group).with_suffix("").as_posix())
    return {group: sorted(names) for group, names in options.items()}


def close_matches(word: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)


def _values(override: Override) -> list[str] | None:
    """The option names a group override sets (each value of a listed sweep); None when they cannot be listed."""
    if override.is_delete():
        return []
    if override.is_sweep_override():
        return list(override.sweep_string_iterator()) if override.value_type in LISTED_SWEEPS else None
    value = override.value()
    return [] if value is None else [str(value)]


def check_options(overrides: Sequence[Override], options: dict[str, list[str]]) -> None:
    """Every option a group is set to exists in ``options``; else the error lists the group's options."""
    for override in overrides:
        known = options.get(override.key_or_group)
        if known is None:
            continue
        for value in _values(override) or []:
            if value not in known:
                hint = close_matches(value, known)
                suggestion = f" (did you mean {' or '.join(hint)}?)" if hint else ""
                choices = ", ".join(known)
                raise ConfigurationError(
                    f"{override.get_key_element()}={value}: no such option; choose one of {choices}{suggestion}"
                )


def _is_checked_key(override: Override, options: dict[str, list[str]]) -> bool:
    """A key (not a group) the command line changes; ``+``/``++`` keys and Hydra's own are checked elsewhere."""
    key = override.key_or_group
    return (
        override.type == OverrideType.CHANGE and key not in options and "/" not in key and key.split(".")[0] != "hydra"
    )


def missing_key(cfg: DictConfig, key: str) -> str | None:
    """None when ``key`` (dotted) is in ``cfg``; else the message for it, with the close matches where it breaks."""
    return _missing_key(cfg, key, suggest=True)


def _missing_key(cfg: DictConfig, key: str, suggest: bool) -> str | None:
    node: object = cfg
    parts = key.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, ListConfig):
            return None  # an index into a list: Hydra checks it
        prefix = ".".join(parts[:depth])
        if not isinstance(node, DictConfig):
            return f"no such key: {prefix} is a value, not a section"
        keys = list(node.keys())  # with the keys whose value is still missing (???), which ``in`` leaves out
        if part not in keys:
            rest = ".".join(parts[depth + 1 :])
            if not suggest:
                return "no such key"
            matches = close_matches(part, map(str, keys))
            candidates = [".".join(filter(None, (prefix, match, rest))) for match in matches]
            hint = [candidate for candidate in candidates if _missing_key(cfg, candidate, suggest=False) is None]
            if hint:
                return f"no such key; did you mean {' or '.join(hint)}?"
            where = f"{prefix} has" if prefix else "the top level has"
            return f"no such key; {where} {', '.join(sorted(str(k) for k in keys if not str(k).startswith('_')))}"
        node = node._get_node(part)
    return None


def check_keys(overrides: Sequence[Override], cfg: DictConfig, options: dict[str, list[str]]) -> None:
    """Every key the command line changes exists in ``cfg``; else the error names the close matches."""
    for override in overrides:
        if _is_checked_key(override, options):
            problem = missing_key(cfg, override.key_or_group)
            if problem is not None:
                raise ConfigurationError(f"{override.input_line}: {problem}")


def _compose_line(override: Override) -> str | None:
    """``override`` as the compose API takes it: a sweep reduced to its first value, None when it cannot be."""
    if not override.is_sweep_override():
        return override.input_line
    if override.value_type not in LISTED_SWEEPS:
        return None
    return f"{override.get_key_element()}={next(iter(override.sweep_string_iterator()))}"


def compose_config(config_dir: str, config_name: str, overrides: Sequence[str], with_hydra: bool = False) -> DictConfig:
    """``config_name`` composed with ``overrides`` through Hydra's compose API, leaving no global Hydra state."""
    register_configs()  # the schemas the YAML files extend
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=config_dir, version_base="1.3"):
            return compose(config_name, overrides=list(overrides), return_hydra_config=with_hydra)
    finally:
        GlobalHydra.instance().clear()


def _one_line(error: HydraException) -> str:
    """Hydra's composition error on one line: its first line, with the cause's or the options Hydra lists."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()] or [type(error).__name__]
    first = lines[0].rstrip(".")
    if first.endswith(":") and len(lines) > 1:  # "In 'experiment/x': ConfigKeyError raised while composing config:"
        first = f"{first.split(': ', 1)[0]}: {lines[1]}"
    if isinstance(error, MissingConfigException) and error.options:
        return f"{first}; choose one of {', '.join(error.options)}"
    cause = str(error.__cause__).strip().splitlines()[0] if error.__cause__ and str(error.__cause__).strip() else ""
    return f"{first}: {cause}" if cause else first


def check_command_line(
    overrides: Sequence[str], config_dir: str, config_name: str, multirun: bool, run: bool = True
) -> None:
    """Raise :class:`ConfigurationError` (one line) for a misspelt option or key, or a single run's bad config.

    Args:
        overrides: the command line's overrides (``key=value``, ``group=option``, sweeps).
        config_dir: the folder of the primary config and its groups.
        config_name: the primary config's name.
        multirun: the command line asks for a sweep; only options and keys are checked (each job checks itself).
        run: a single run is about to start (not ``--cfg``): its composed config is checked in full.
    """
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except HydraException:
        return  # a syntax error: Hydra's message shows where
    options = group_options(config_dir)
    check_options(parsed, options)
    keys = [override for override in parsed if _is_checked_key(override, options)]
    others = [_compose_line(override) for override in parsed if override not in keys]
    if keys:
        try:
            base = compose_config(config_dir, config_name, [line for line in others if line is not None])
        except HydraException:
            return  # something only Hydra can explain (a plugin's group, a file's own error)
        check_keys(keys, base, options)
    if multirun or not run or any(override.is_sweep_override() for override in parsed):
        return
    try:
        cfg = compose_config(config_dir, config_name, list(overrides), with_hydra=True)
    except (ConfigCompositionException, MissingConfigException) as error:
        raise ConfigurationError(_one_line(error)) from error
    except HydraException:
        return
    if cfg.hydra.mode != RunMode.MULTIRUN:  # an experiment file may ask for a sweep
        preflight(cfg)
