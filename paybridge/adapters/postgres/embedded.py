"""An embedded PostgreSQL (the `pgserver` package) for development machines that have no server of their own.

pgserver runs a real PostgreSQL from binaries shipped in its wheel, listening on a Unix socket only. Its
`cleanup_mode="stop"` semantics: every process that calls `get_server()` adds its pid to a handle list kept
in the data directory and registers an `atexit` hook; the *last* process to exit stops the server, and the
data directory is kept. So `paybridge serve` keeps the database up for as long as it serves (a concurrent
`paybridge migrate` only adds and removes its own handle), and the next run starts the server again on the
same data. ("delete" would wipe the data at exit; None would leave a server running forever.)

A process killed without running `atexit` (SIGKILL, or SIGTERM/SIGHUP without a handler) leaves its pid in the
list and the server running; the next start drops dead pids from the list, reuses that server, and so still
stops it when it exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors, sql

logger = logging.getLogger("paybridge.embedded")

_HANDLE_LIST = ".handle_pids.json"  # pgserver's per-data-directory list of pids holding a handle


def start_embedded_postgres(data_dir: Path, database: str = "paybridge") -> str:
    """Start (or reuse) the embedded server whose data lives in `data_dir / "pgdata"`.

    Creates `database` if it does not exist and returns a psycopg-compatible URL for it (a socket URL of the
    form `postgresql://postgres:@/<database>?host=<socket dir>`).
    """
    pgdata = (data_dir / "pgdata").expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _get_server(pgdata)
    _ensure_database(str(server.get_uri()), database)
    logger.warning(
        "using the embedded development PostgreSQL (data in %s, database %r); "
        "set DATABASE_URL to use a real PostgreSQL server",
        pgdata,
        database,
    )
    return str(server.get_uri(database))


def stop_embedded_postgres(data_dir: Path) -> None:
    """Give up this process's handle now; the server stops if no other process holds one."""
    pgserver = _import_pgserver()
    pgdata = (data_dir / "pgdata").expanduser().resolve()
    server = pgserver.PostgresServer._instances.get(pgdata)
    if server is not None:
        server.cleanup()


def _get_server(pgdata: Path) -> Any:
    pgserver = _import_pgserver()
    _forget_dead_handles(pgserver, pgdata)
    return pgserver.get_server(pgdata, cleanup_mode="stop")


def _import_pgserver() -> Any:
    # pgserver picks a runtime directory at import time; without XDG_RUNTIME_DIR platformdirs warns about
    # its (fine) fallback, which would only be noise on a developer's terminal.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

    return pgserver


def _forget_dead_handles(pgserver: Any, pgdata: Path) -> None:
    handles = pgdata / _HANDLE_LIST
    if not handles.exists():
        return
    with pgserver.PostgresServer._lock:
        try:
            pids = [int(pid) for pid in json.loads(handles.read_text())]
        except (OSError, ValueError, TypeError):
            return
        alive = [pid for pid in pids if _is_alive(pid)]
        if alive != pids:
            logger.info(
                "embedded PostgreSQL: dropping handles of exited processes %s", sorted(set(pids) - set(alive))
            )
            handles.write_text(json.dumps(alive))


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists is None:
            # Two processes may race to create it; the loser finds it there.
            with contextlib.suppress(errors.DuplicateDatabase):
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
