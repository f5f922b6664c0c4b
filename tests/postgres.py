"""A throwaway PostgreSQL cluster on 127.0.0.1 that a test starts itself: ``initdb`` in a temporary folder, ``pg_ctl``.

The server binaries come from the Debian package ``postgresql`` (``/usr/lib/postgresql/<version>/bin``) or the PATH.
PostgreSQL refuses to run as root: under root the cluster belongs to the package's ``postgres`` user and every
server command runs through ``runuser``. Trust authentication on 127.0.0.1 only; ``fsync`` off (a test cluster).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.mlflow_server import free_port

SUPERUSER = "postgres"
START_TIMEOUT_S = 300


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (the newest Debian install first), or None."""
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def unavailable_reason() -> str | None:
    """Why a PostgreSQL cluster cannot be started here, or None when it can."""
    if server_binaries() is None:
        return "PostgreSQL is not installed (initdb, pg_ctl): apt-get install postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return f"running as root and there is no {SUPERUSER!r} user to own the cluster"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as another user"
    try:
        import psycopg  # noqa: F401  (SQLAlchemy's driver for postgresql:// URIs)
    except ImportError:
        return "the PostgreSQL driver psycopg is not installed: pip install -e '.[test]'"
    return None


@dataclass
class Postgres:
    """One running cluster: ``url(database)`` gives SQLAlchemy URIs; ``stop``/``start`` crash and restart it."""

    folder: Path
    port: int
    binaries: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.binaries / tool), *args]
        return ["runuser", "-u", SUPERUSER, "--", *command] if os.geteuid() == 0 else command

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            self._command(tool, *args), capture_output=True, text=True, timeout=START_TIMEOUT_S, cwd=self.folder
        )
        if result.returncode != 0:
            log = (self.folder / "postgres.log").read_text(errors="replace")[-3000:] if self.log.is_file() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} exited {result.returncode}: {result.stderr}\n{log}")

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-instructions")

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c max_connections=200"
        timeout = str(START_TIMEOUT_S)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", timeout, "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m <mode>``; ``immediate`` is a crash: no shutdown checkpoint, recovery at the next start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").is_file()

    def create_database(self, name: str) -> str:
        """A new database; its SQLAlchemy URI."""
        import psycopg

        with psycopg.connect(f"{self.url('postgres')}", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        if self.running():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb in a new temporary folder and start it on a free port of 127.0.0.1; running when returned.

    The folder is made under the system's temporary directory (not pytest's, whose parents only root may enter),
    owned by the ``postgres`` user when running as root.
    """
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed")
    folder = Path(tempfile.mkdtemp(prefix="experiments-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SUPERUSER)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    cluster = Postgres(folder, free_port(), binaries)
    try:
        cluster.initdb()
        cluster.start()
    except BaseException:
        cluster.remove()
        raise
    return cluster
