"""A content digest of a saved model folder, so that a run's tag can tell whether the folder still holds its model."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def folder_digest(folder: str | Path) -> str:
    """sha256 of every file's relative path and bytes, in sorted path order (first 16 hex digits)."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in sorted(path for path in folder.rglob("*") if path.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()[:16]
