"""A real ``mlflow server`` on 127.0.0.1 that a test starts, and may stop, itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mlflow_server import Server, start_server


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server for this test alone (the test may stop it)."""
    server = start_server(tmp_path / "server")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server shared by the tests of one module (starting one takes a while)."""
    server = start_server(tmp_path_factory.mktemp("server"))
    yield server
    server.stop()
