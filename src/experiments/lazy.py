"""Package attributes imported on first use (PEP 562), so that a light entry point does not pay for heavy ones.

``experiments-train --help`` and the config checks import ``experiments.evaluation.thresholds`` or
``experiments.tracking.credentials``; with eager package ``__init__`` files that would import sentence-transformers,
torch and MLflow first. A package lists what it exports and where each name is defined; the submodule is imported
when the name is first used (``from experiments.evaluation import PairClassificationEvaluator`` works as before).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, origins: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose names ``origins`` maps to the modules defining them."""

    def __getattr__(name: str) -> Any:
        if name not in origins:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(origins[name]), name)
        setattr(sys.modules[package], name, value)  # the next lookup finds it without this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(origins))

    return __getattr__, __dir__
