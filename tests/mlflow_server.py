"""A real ``mlflow server`` on 127.0.0.1 (a SQLite or PostgreSQL store, served artifacts) that a test starts itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVER_START_S = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"mlflow server at {url} not healthy after {timeout_s} s")


@dataclass
class Server:
    url: str
    folder: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_server(
    folder: Path,
    port: int | None = None,
    app_name: str | None = None,
    backend_store_uri: str | None = None,
    workers: int = 1,
) -> Server:
    """``mlflow server`` with served artifacts in ``folder``, healthy when returned.

    Its store is ``backend_store_uri`` (e.g. a PostgreSQL database), by default a SQLite file in ``folder``.
    ``app_name``: an ``mlflow.app`` entry point to serve instead of MLflow's own app (``--app-name``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", backend_store_uri or f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination", str(folder / "artifacts"),
        "--serve-artifacts",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        *(["--app-name", app_name] if app_name else []),
    ]  # fmt: skip
    # No job runner: its huey workers are not needed for tracking, and they slow the start on a busy machine
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with (folder / "server.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    server = Server(url, folder, process)
    try:
        wait_for_health(url, process, SERVER_START_S)
    except BaseException:
        server.stop()
        raise
    return server
