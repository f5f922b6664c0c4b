"""What a run was made from: code version, package versions, hardware, seed and command, as MLflow tags.

Plain functions; the runner merges :func:`provenance_tags` into the tags the run starts with.
"""

from __future__ import annotations

import platform
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import torch

from experiments.distributed import world_size

KEY_PACKAGES = (
    "torch",
    "transformers",
    "sentence-transformers",
    "datasets",
    "accelerate",
    "hydra-core",
    "omegaconf",
    "mlflow",
    "scikit-learn",
    "numpy",
)
UNKNOWN = "unknown"


def git_state(folder: str | Path | None = None) -> dict[str, str]:
    """Commit and dirty flag of the git checkout holding ``folder`` (this package's source by default).

    ``git_dirty`` is ``true`` when tracked or untracked files differ from the commit; both tags are
    ``unknown`` outside a git checkout (e.g. an installed wheel) or without ``git``.
    """
    cwd = Path(folder) if folder is not None else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": UNKNOWN, "git_dirty": UNKNOWN}
    return {"git_commit": commit, "git_dirty": str(bool(status.strip())).lower()}


def package_versions(packages: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """``version_<package>`` for each installed key package, plus ``version_python``."""
    versions = {"version_python": platform.python_version()}
    for package in packages:
        try:
            versions[f"version_{package}"] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[f"version_{package}"] = "not installed"
    return versions


def cpu_name() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (Linux), else what :mod:`platform` reports."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or UNKNOWN


def hardware() -> dict[str, str]:
    """CPU and GPU names, the torch thread count (it changes CPU float results) and the process count."""
    gpus = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
    return {
        "hardware_cpu": cpu_name(),
        "hardware_gpu": ", ".join(gpus) if gpus else "none",
        "hardware_platform": platform.platform(),
        "torch_num_threads": str(torch.get_num_threads()),
        "world_size": str(world_size()),
    }


def provenance_tags(seed: int) -> dict[str, str]:
    """Everything needed to tell how a run was made, as string tags: git, versions, hardware, seed, command."""
    return {
        **git_state(),
        **package_versions(),
        **hardware(),
        "seed": str(seed),
        "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
    }
