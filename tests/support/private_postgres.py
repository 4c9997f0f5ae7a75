"""A private PostgreSQL server that a test starts, stops and restarts itself, on a free TCP port.

Tests that take the database away (readiness flips) must never stop the machine's shared server, so they
run their own cluster from the binaries shipped in the `pgserver` wheel (`pgserver/pginstall/bin`).

PostgreSQL refuses to run as root. Like pgserver (`PostgresServer.ensure_pgdata_inited`), when this process
is root the cluster belongs to the unprivileged system user `pgserver` (created with `useradd` if missing):
the directories it needs are chowned to it, the parents are made traversable, and initdb / pg_ctl run with
`user=` so PostgreSQL itself runs as that user.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from tests.support.server import free_port

SYSTEM_USER = "pgserver"  # the user pgserver itself runs PostgreSQL as when started by root


def pgserver_bin() -> Path:
    """`pgserver/pginstall/bin`, found without importing pgserver (its import has side effects)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pgserver package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class PrivatePostgres:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pgdata = root / "pgdata"
        self.socket_dir = root / "socket"
        self.logfile = root / "run" / "postgres.log"
        self.port = free_port()
        self.bin = pgserver_bin()
        self._user = SYSTEM_USER if os.geteuid() == 0 else None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        for directory in (self.pgdata, self.socket_dir, self.logfile.parent):
            directory.mkdir(parents=True, mode=0o700)
        if self._user is not None:
            self._hand_over_to_system_user()
        self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "--encoding=utf8")

    def start(self, attempts: int = 3) -> None:
        """Starts the server; on a loaded machine a start right after a stop can fail once, so it retries."""
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        for attempt in range(1, attempts + 1):
            try:
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.logfile),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "120",
                    "start",
                )
                return
            except RuntimeError:
                if attempt == attempts:
                    raise
                time.sleep(1.0)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        status = subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.pgdata), "status"],
            capture_output=True,
            check=False,
            user=self._user,
        )
        return status.returncode == 0

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def log(self) -> str:
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            user=self._user,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                f"{self.log()}"
            )

    def _hand_over_to_system_user(self) -> None:
        import pwd

        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "-s", "/bin/bash", SYSTEM_USER], check=True, capture_output=True)
            entry = pwd.getpwnam(SYSTEM_USER)
        # Every parent must be traversable by that user; the binaries and libraries readable and executable.
        for path in (self.root, self.bin.parent):
            for parent in (path, *path.parents):
                parent.chmod(parent.stat().st_mode | 0o055)
        for directory in (self.bin, self.bin.parent / "lib"):
            for item in (directory, *directory.rglob("*")):
                executable = item.is_dir() or item.parent == self.bin
                item.chmod(item.stat().st_mode | (0o055 if executable else 0o044))
        for owned in (self.pgdata, self.socket_dir, self.logfile.parent):
            os.chown(owned, entry.pw_uid, entry.pw_gid)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private server; stopped (immediately) and deleted on exit, whatever state the test left."""
    root = Path(tempfile.mkdtemp(prefix="pb-private-pg-"))
    server = PrivatePostgres(root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.pgdata.exists() and server.is_running():
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
