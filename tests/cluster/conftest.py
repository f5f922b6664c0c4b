"""Session fixtures for the cluster tests: a throwaway PostgreSQL and a real ``mlflow server`` backed by it.

Both run on 127.0.0.1 and are removed at the end of the session. Where PostgreSQL cannot be started (not
installed, no user to run it as), the tests that need it are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.mlflow_server import Server, start_server
from tests.postgres import Postgres, start_postgres, unavailable_reason


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster of its own (initdb in a temporary folder), started on a free port."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    cluster = start_postgres()
    try:
        yield cluster
    finally:
        cluster.remove()


@dataclass
class TrackingServer:
    """An ``mlflow server`` whose store is the database ``database_url`` of ``postgres``."""

    server: Server
    postgres: Postgres
    database_url: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def pg_tracking(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackingServer]:
    """``mlflow server --backend-store-uri postgresql://... --artifacts-destination <tmp>`` on a free port."""
    database_url = postgres.create_database("mlflow")
    server = start_server(tmp_path_factory.mktemp("pg-mlflow"), backend_store_uri=database_url, workers=2)
    try:
        yield TrackingServer(server, postgres, database_url)
    finally:
        server.stop()
