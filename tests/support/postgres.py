"""PostgreSQL provisioning for the test suite.

Which server the tests use, in order:
1. PAYBRIDGE_TEST_DATABASE_URL (CI sets it to the machine's server);
2. DATABASE_URL (its server's `postgres` maintenance database is used, never the application database);
3. an embedded pgserver in a temporary directory, started for the session and deleted at its end.

Tests never share a database: each asks `DatabaseFactory` for a fresh `<prefix>_test_<random>` database, and
all of them are dropped when the session ends. With PAYBRIDGE_REQUIRE_TEST_SERVERS=1 a server that does not
answer fails the run loudly; without it an unreachable DATABASE_URL falls back to the embedded server.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

TEST_URL_ENV = "PAYBRIDGE_TEST_DATABASE_URL"
REQUIRE_ENV = "PAYBRIDGE_REQUIRE_TEST_SERVERS"
MAINTENANCE_DATABASE = "postgres"
_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,20}$")


class ServerUnavailableError(RuntimeError):
    """No PostgreSQL server could be provided for the tests."""


def url_for_database(url: str, database: str) -> str:
    """`url` pointing at `database` on the same server.

    Keeps credentials and query parameters, so it works for TCP URLs (`postgresql://u@host:5432/db`) and for
    socket URLs such as pgserver's (`postgresql://postgres:@/db?host=/path/to/socket/dir`).
    """
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise ValueError(f"expected a postgresql:// URL, got {url!r}")
    return urlunsplit(parts._replace(path="/" + quote(database, safe="")))


def server_answers(url: str, timeout_seconds: float = 0.0) -> Exception | None:
    """None when `url` accepts a connection (retrying up to `timeout_seconds`), else the last error."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=5, autocommit=True) as connection:
                connection.execute("SELECT 1")
            return None
        except psycopg.Error as exc:
            if time.monotonic() >= deadline:
                return exc
            time.sleep(0.5)


@contextlib.contextmanager
def provision_server(environ: Mapping[str, str] | None = None) -> Iterator[str]:
    """Yield the maintenance-database URL of the server the tests should use (see the module docstring)."""
    env = os.environ if environ is None else environ
    required = env.get(REQUIRE_ENV, "") == "1"
    for name in (TEST_URL_ENV, "DATABASE_URL"):
        url = env.get(name)
        if not url:
            continue
        maintenance_url = url_for_database(url, MAINTENANCE_DATABASE)
        error = server_answers(maintenance_url, timeout_seconds=30.0 if required else 0.0)
        if error is None:
            yield maintenance_url
            return
        if required or name == TEST_URL_ENV:
            raise ServerUnavailableError(f"{name} names a PostgreSQL server that does not answer: {error}")
        warnings.warn(f"{name} does not answer ({error}); using an embedded PostgreSQL", stacklevel=2)
        break
    with embedded_server() as url:
        yield url


@contextlib.contextmanager
def embedded_server() -> Iterator[str]:
    """A throw-away pgserver instance for one test session; stopped and deleted on exit."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from pgserver.postgres_server import get_server

    root = Path(tempfile.mkdtemp(prefix="pb-test-pg-"))
    server: Any = None
    try:
        server = get_server(root / "pgdata", cleanup_mode="delete")
        # pgserver writes `postgres:@` (an empty password); the tests and the service read that as a
        # password (too short for production, redacted as `***`): pass the URL as the user means it
        yield str(server.get_uri(MAINTENANCE_DATABASE)).replace("://postgres:@", "://postgres@", 1)
    except Exception as exc:
        if server is None:
            raise ServerUnavailableError(f"could not start an embedded PostgreSQL (pgserver): {exc}") from exc
        raise
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


class DatabaseFactory:
    """Creates empty databases on one server and drops them all on `drop_all()`."""

    def __init__(self, server_url: str) -> None:
        self._server_url = server_url
        self._created: list[str] = []

    def __call__(self, prefix: str = "pb") -> str:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"database prefix must match {_PREFIX.pattern}, got {prefix!r}")
        name = f"{prefix}_test_{secrets.token_hex(6)}"
        with psycopg.connect(self._server_url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._created.append(name)
        return url_for_database(self._server_url, name)

    @property
    def created(self) -> list[str]:
        return list(self._created)

    def drop_all(self) -> None:
        if not self._created:
            return
        with psycopg.connect(self._server_url, autocommit=True) as connection:
            while self._created:
                name = self._created.pop()
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
