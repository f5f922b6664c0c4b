"""One process at a time creates (or migrates) a SQLite tracking store: an inter-process lock beside the database.

MLflow creates a SQLite store's tables, and runs its migrations, the first time a client opens it. Several
processes that open a new database at once all see it empty and race (``table runs already exists``,
``duplicate column name``); an exclusive ``flock`` on ``<database>.lock`` makes them take turns, so any
number of runs started together are all recorded. Other stores (a server, a folder) need no lock.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlflow.tracking import MlflowClient

SQLITE_PREFIX = "sqlite:///"


def sqlite_database(tracking_uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (its query string dropped), or None for other stores."""
    if not tracking_uri.startswith(SQLITE_PREFIX):
        return None
    return Path(tracking_uri.removeprefix(SQLITE_PREFIX).split("?", 1)[0].removeprefix("file:")).expanduser()


@contextmanager
def store_lock(tracking_uri: str) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.lock`` for a SQLite store; nothing for other stores."""
    database = sqlite_database(tracking_uri)
    if database is None or str(database) == ":memory:":
        yield
        return
    lock_path = database.with_name(f"{database.name}.lock")
    try:
        lock_file = lock_path.open("a")
    except OSError:  # a folder that cannot be written: MLflow will say so when it opens the store
        yield
        return
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def open_client(tracking_uri: str) -> MlflowClient:
    """An :class:`MlflowClient` whose store, when new, was created while holding :func:`store_lock`."""
    with store_lock(tracking_uri):
        return MlflowClient(tracking_uri=tracking_uri)
