"""A run leaves the checkout clean: everything it writes is ignored by git, so the next run is not ``git_dirty``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_a_run_in_a_clean_clone_leaves_it_clean(tmp_path: Path, tiny_wikiqa: Path):
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(ROOT), str(clone), cwd=tmp_path)
    assert git("status", "--porcelain", cwd=clone) == ""
    env = {**os.environ, "PYTHONPATH": str(clone / "src"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)  # the default store: mlflow.db (and its lock) in the working directory
    overrides = ["experiment=smoke", f"data.root={tiny_wikiqa}", "data.max_train_rows=null", "trainer.epochs=1"]
    result = subprocess.run(
        [sys.executable, "-m", "experiments.train", *overrides], cwd=clone, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    written = {line.split()[-1] for line in git("status", "--porcelain", "--ignored", cwd=clone).splitlines()}
    assert {"mlflow.db", "mlflow.db.lock", "mlartifacts/", "outputs/"} <= written  # the run wrote them ...
    assert git("status", "--porcelain", cwd=clone) == ""  # ... and git ignores them all
