"""Command-line entry: ``experiments-train`` / ``python -m experiments.train`` (a Hydra app)."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig

from experiments.config import register_configs
from experiments.runner import train


def config_dir() -> str:
    """``conf/`` at the project root in a source checkout, ``experiments/conf`` in an installed wheel."""
    packaged = Path(__file__).resolve().parent / "conf"
    return str(packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "conf")


register_configs()


@hydra.main(version_base="1.3", config_path=config_dir(), config_name="train")
def main(cfg: DictConfig) -> float:
    """Run one job; return the best dev value of ``evaluation.select_metric`` for sweepers."""
    summary = train(cfg)
    return summary[f"best_{cfg.evaluation.select_metric}"]


if __name__ == "__main__":
    main()
