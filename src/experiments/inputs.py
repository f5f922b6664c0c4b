"""The files, folders and hub models a component reads, checked before torch, the data or a model is loaded.

A data source or a model builder names its inputs in plain arguments; a misspelt path should cost a second, not
the import of torch, the reading of the data and an MLflow run. A component declares a cheap check of its own
arguments with ``@checked_by(check)``: ``check`` takes the component's keyword arguments (ignoring those it does
not need) and raises :class:`~experiments.errors.ConfigurationError`; :func:`check_inputs` runs it. The check
imports the component's module, so that module imports nothing heavy at module level.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from experiments.errors import ConfigurationError

Component = TypeVar("Component", bound=Callable[..., Any])

_CHECK = "__input_check__"


def checked_by(check: Callable[..., None]) -> Callable[[Component], Component]:
    """Declare ``check`` as the input check of the decorated component (returned unchanged)."""

    def declare(component: Component) -> Component:
        setattr(component, _CHECK, check)
        return component

    return declare


def check_inputs(component: Callable[..., Any], arguments: Mapping[str, Any]) -> None:
    """Run the input check ``component`` declares on ``arguments``; nothing when it declares none."""
    check = getattr(component, _CHECK, None)
    if check is not None:
        check(**arguments)


NOT_FOUND = "file not found"
_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def file_problem(path: Path) -> str | None:
    """Why ``path`` is not a data file to read (``file not found``, ``is a folder, ...``, ``is a named pipe ...``,
    ``is a symbolic link loop ...``), or None for a regular file or a link to one."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return f"is a symbolic link to {os.readlink(path)}, which does not exist"
        return NOT_FOUND
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "is a symbolic link loop (a link that leads back to itself); point it at the data file"
        return f"cannot be read: {error.strerror or error}"
    if stat.S_ISDIR(mode):
        return "is a folder, not a data file; name a file inside it"
    for test, kind in _SPECIAL_FILES:
        if test(mode):
            return f"is {kind}, not a regular file; write the data to a file and name that"
    return None


def require_file(key: str, path: Path) -> None:
    """``path`` is a file; else a :class:`ConfigurationError` naming the config ``key`` that gave it."""
    problem = file_problem(path)
    if problem == NOT_FOUND:
        raise ConfigurationError(f"{key}: file not found: {path}")
    if problem is not None:
        raise ConfigurationError(f"{key}: {path} {problem}")


def require_folder(key: str, path: Path) -> None:
    """``path`` is a folder; else a :class:`ConfigurationError` naming the config ``key`` that gave it."""
    if not path.exists():
        raise ConfigurationError(f"{key}: folder not found: {path}")
    if not path.is_dir():
        raise ConfigurationError(f"{key}: {path} is a file, not a folder")
