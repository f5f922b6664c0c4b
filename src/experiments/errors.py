"""The one exception type for bad configs, data and environments."""

from __future__ import annotations


class ConfigurationError(ValueError):
    """Bad input found before training: the message names the key, file, row or column at fault."""
