"""Compressed data files (``pairs.csv.gz``, ``.bz2``, ``.xz``): told by their first bytes, read with the stdlib."""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import zlib
from collections.abc import Callable
from pathlib import Path

from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)

# Magic bytes -> (name, decompressor).
_CODECS: dict[bytes, tuple[str, Callable[[bytes], bytes]]] = {
    b"\x1f\x8b": ("gzip", gzip.decompress),
    b"BZh": ("bzip2", bz2.decompress),
    b"\xfd7zXZ\x00": ("xz", lzma.decompress),
}
SUFFIXES = (".gz", ".bz2", ".xz")
"""Extensions of a compressed file; the one before it names the format (``.csv.gz`` is CSV)."""


def strip_compression(path: Path) -> Path:
    """``pairs.csv`` for ``pairs.csv.gz``; other paths as they are."""
    return path.with_suffix("") if path.suffix.lower() in SUFFIXES else path


def decompress(path: Path) -> bytes:
    """The bytes of ``path``, decompressed when they start like gzip, bzip2 or xz data (whatever the extension)."""
    data = path.read_bytes()
    for magic, (name, codec) in _CODECS.items():
        if data.startswith(magic):
            try:
                plain = codec(data)
            except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as error:
                raise ConfigurationError(f"{path}: cannot be decompressed as {name}: {error}") from error
            logger.info("%s: %s-compressed, %d bytes decompressed", path, name, len(plain))
            return plain
    if path.suffix.lower() in SUFFIXES:
        raise ConfigurationError(f"{path}: the extension {path.suffix!r} names a compressed file, but it is not one")
    return data
