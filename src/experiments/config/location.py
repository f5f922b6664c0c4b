"""Where the project's Hydra config folder is."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def config_dir() -> str:
    """``conf/`` at the project root in a source checkout, ``experiments/conf`` in an installed wheel."""
    packaged = PACKAGE / "conf"
    return str(packaged if packaged.is_dir() else PACKAGE.parents[1] / "conf")
