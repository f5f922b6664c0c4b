"""Model builders for the ``model`` config group."""

from __future__ import annotations

from experiments.models.loading import load_cross_encoder, resolve_model_path, tiny_cross_encoder

__all__ = ["load_cross_encoder", "resolve_model_path", "tiny_cross_encoder"]
