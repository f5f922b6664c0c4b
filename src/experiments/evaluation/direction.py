"""Which logged metrics are lower-is-better; a module of its own so that light tools (compare) need no model code."""

from __future__ import annotations

# Metric keys where lower is better; model selection maximises, so these cannot select the best epoch.
LOWER_IS_BETTER = frozenset({"ece", "brier"})


def lower_is_better(metric: str) -> bool:
    """True for a logged name of an ECE or Brier score in either spelling: ``dev_ece``, ``test/brier``,
    ``best_dev_ece_uncalibrated``, ``test/ece_uncalibrated``."""
    name = metric.replace("/", "_").removesuffix("_uncalibrated")
    return any(name == key or name.endswith(f"_{key}") for key in LOWER_IS_BETTER)
