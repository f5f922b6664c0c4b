"""Config schemas (Hydra ConfigStore) and the range checks run before training."""

from __future__ import annotations

from experiments.config.schema import CONSTRAINTS, Constraint, check_config, register_configs

__all__ = ["CONSTRAINTS", "Constraint", "check_config", "register_configs"]
