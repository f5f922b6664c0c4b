"""Config-driven experiments on class-imbalanced text-pair data with sentence-transformers CrossEncoders."""

from __future__ import annotations

__version__ = "0.1.0"
