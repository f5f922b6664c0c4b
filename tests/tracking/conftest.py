"""A real ``mlflow server`` on 127.0.0.1 that a test starts, and may stop, itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sweeps.conftest import SERVER_START_S, free_port, wait_for_health


@dataclass
class Server:
    url: str
    folder: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_server(folder: Path, port: int | None = None) -> Server:
    """``mlflow server`` with a SQLite store and served artifacts in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination", str(folder / "artifacts"),
        "--serve-artifacts",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    with (folder / "server.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(url, folder, process)
    try:
        wait_for_health(url, process, SERVER_START_S)
    except BaseException:
        server.stop()
        raise
    return server


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
