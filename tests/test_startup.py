"""``experiments-train`` answers ``--help``, ``--cfg job`` and config mistakes without importing the heavy libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("torch", "transformers", "sentence_transformers", "mlflow", "datasets", "sklearn", "pandas", "matplotlib")

PROBE = f"""
import sys
import experiments.train, experiments.run.overrides, experiments.run.preflight, experiments.data, experiments.models
print(sorted(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_the_entry_point_and_the_early_checks_import_no_heavy_library():
    """In a fresh interpreter: what a test process has imported already cannot hide an import here."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
