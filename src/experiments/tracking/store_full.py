"""A tracking store whose disk is full: one line naming the store, instead of SQLAlchemy's statement and parameters.

SQLite says ``database or disk is full`` (``disk I/O error`` when a write is cut short, e.g. by a file size
limit); PostgreSQL and a local artifact folder say ``No space left on device``; an MLflow server passes its
database's message on. :func:`store_full_error` recognises them in an exception or the exceptions it was raised
from.
"""

from __future__ import annotations

import errno
import logging

from experiments.errors import ConfigurationError
from experiments.tracking.credentials import redact
from experiments.tracking.store_lock import sqlite_database

FULL_STORE_MESSAGES = ("database or disk is full", "disk I/O error", "No space left on device", "Disk quota exceeded")
# MLflow's SQL store logs each database error with SQLAlchemy's traceback, statement and parameters before raising it.
MLFLOW_DB_LOGGER = "mlflow.store.db.utils"


class TrackingStoreFull(ConfigurationError):
    """The tracking store (its database or artifact folder) cannot be written: its disk is full."""


def _reason(error: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return current.strerror or FULL_STORE_MESSAGES[2]
        text = str(current)
        for message in FULL_STORE_MESSAGES:
            if message in text:
                return message
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def store_full_error(error: BaseException, tracking_uri: str) -> TrackingStoreFull | None:
    """The one-line error for ``error`` when it says the store's disk is full, else None."""
    reason = _reason(error)
    if reason is None:
        return None
    database = sqlite_database(tracking_uri)
    store = f"the database {database}" if database is not None else "the tracking store"
    return TrackingStoreFull(
        f"tracking.tracking_uri={redact(tracking_uri)!r}: {store} cannot be written ({reason}): is its disk full? "
        "Free space, then continue the run with resume=true (from its last checkpoint, if one was written)"
    )


class QuietFullStore(logging.Filter):
    """Drops MLflow's SQLAlchemy traceback for a full store, which the run reports in one line (TrackingStoreFull)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return error is None or _reason(error) is None


def quiet_full_store_tracebacks() -> None:
    """Install :class:`QuietFullStore` on MLflow's database logger (once per process)."""
    database_logger = logging.getLogger(MLFLOW_DB_LOGGER)
    if not any(isinstance(existing, QuietFullStore) for existing in database_logger.filters):
        database_logger.addFilter(QuietFullStore())
