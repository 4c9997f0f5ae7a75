"""The PostgreSQL server a bench runs on, a fresh database on it, and the processes serving that database.

Which server, in order: PAYBRIDGE_BENCH_DATABASE_URL (any database on it; the bench creates its own), the
machine's server on 127.0.0.1:5432 (user postgres), else a throw-away embedded PostgreSQL (the `pgserver`
package, which also ships pgbench) deleted at the end.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings

BENCH_URL_ENV = "PAYBRIDGE_BENCH_DATABASE_URL"
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class PgServer:
    url: str  # the maintenance database
    origin: str  # how it was found
    pgbench: str  # the pgbench binary to use
    local: bool  # its processes are on this machine (CPU can be measured)


def url_for(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(database, safe="")))


def answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _pgserver_pgbench() -> str | None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

    found = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
    return str(found) if found.exists() else None


def _pgbench() -> str:
    found = shutil.which("pgbench") or _pgserver_pgbench()
    if found is None:
        raise SystemExit("pgbench not found: install postgresql-client (Debian) or the pgserver package")
    return found


@contextlib.contextmanager
def find_server(environ: dict[str, str]) -> Iterator[PgServer]:
    configured = environ.get(BENCH_URL_ENV)
    if configured:
        url = url_for(configured, "postgres")
        if not answers(url):
            raise SystemExit(f"{BENCH_URL_ENV} does not answer: {configured}")
        host = urlsplit(url).hostname or ""
        yield PgServer(url, BENCH_URL_ENV, _pgbench(), host in ("", "127.0.0.1", "localhost", "::1"))
        return
    if answers(LOCAL_URL):
        yield PgServer(LOCAL_URL, "127.0.0.1:5432", _pgbench(), True)
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from pgserver.postgres_server import get_server
    root = Path(tempfile.mkdtemp(prefix="pb-bench-pg-"))
    server: Any = None
    try:
        server = get_server(root / "pgdata", cleanup_mode="delete")
        yield PgServer(str(server.get_uri("postgres")), "embedded pgserver", _pgbench(), True)
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server: PgServer, keep: bool = False) -> Iterator[str]:
    """A new database with every migration applied; dropped afterwards unless `keep`."""
    name = f"pb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = url_for(server.url, name)
    try:
        YoyoMigrator(url, Settings().migrations_dir).up()
        yield url
    finally:
        if not keep:
            with psycopg.connect(server.url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class Backends:
    """Pids of the server processes connected to one database (for the CPU meter), this one excepted."""

    def __init__(self, url: str) -> None:
        self._conn = psycopg.connect(url, autocommit=True)
        self._database = urlsplit(url).path.lstrip("/")

    def __call__(self) -> list[int]:
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self._database,),
        ).fetchall()
        return [int(row[0]) for row in rows]

    def close(self) -> None:
        self._conn.close()


def describe(url: str) -> dict[str, str]:
    """Server version and the settings that matter for these figures."""
    names = ("shared_buffers", "synchronous_commit", "fsync", "max_connections", "wal_level", "jit")
    with psycopg.connect(url, autocommit=True) as conn:
        found = {"version": str(conn.execute("SHOW server_version").fetchone()[0])}  # type: ignore[index]
        for name in names:
            found[name] = str(conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0])  # type: ignore[index]
    return found
