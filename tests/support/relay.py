"""Running `paybridge relay` as a real subprocess, reading what reached the stream, and outbox helpers."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.js.errors
import psycopg
from psycopg.types.json import Jsonb

from tests.support.server import PAYBRIDGE, REPO_ROOT, free_port, server_env


@dataclass(frozen=True)
class StreamTarget:
    """Where a test's relays publish: a stream and subject prefix of its own on a (maybe shared) server."""

    nats_url: str
    stream: str
    prefix: str

    @classmethod
    def unique(cls, nats_url: str) -> StreamTarget:
        token = uuid.uuid4().hex[:10]
        return cls(nats_url, f"PBTEST_{token}", f"pbtest.{token}.events")


def relay_env(database_url: str, target: StreamTarget, **extra: str) -> dict[str, str]:
    env = server_env(
        database_url,
        PAYBRIDGE_NATS_URL=target.nats_url,
        PAYBRIDGE_NATS_STREAM=target.stream,
        PAYBRIDGE_NATS_SUBJECT_PREFIX=target.prefix,
        PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS="0.2",
        PAYBRIDGE_RELAY_STATS_INTERVAL_SECONDS="0.25",
        PAYBRIDGE_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


@dataclass
class RunningRelay:
    process: subprocess.Popen[bytes]
    log_path: Path
    health_url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def metrics(self) -> dict[str, float]:
        """`name{labels}` -> value from GET /metrics (comments dropped)."""
        text = httpx.get(f"{self.health_url}/metrics", timeout=5.0).text
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        return samples

    def metric_sum(self, prefix: str) -> float:
        return sum(value for name, value in self.metrics().items() if name.split("{")[0] == prefix)

    def ready(self) -> httpx.Response:
        return httpx.get(f"{self.health_url}/ready", timeout=5.0)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start_relay(env: Mapping[str, str], timeout: float = 30.0) -> RunningRelay:
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="paybridge-relay-", suffix=".log", delete=False) as log_file:
        log_path = Path(log_file.name)
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [PAYBRIDGE, "relay", "--health-bind", f"127.0.0.1:{port}"],
            env=dict(env),
            cwd=REPO_ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    relay = RunningRelay(process, log_path, f"http://127.0.0.1:{port}")
    wait_for(lambda: _live(relay), timeout, f"the relay did not answer /live:\n{relay.log()}")
    return relay


def _live(relay: RunningRelay) -> bool:
    if relay.process.poll() is not None:
        raise RuntimeError(f"paybridge relay exited with {relay.process.returncode}:\n{relay.log()}")
    try:
        return httpx.get(f"{relay.health_url}/live", timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


StartRelay = Callable[[Mapping[str, str]], RunningRelay]  # the `start_relay` fixture of the relay tests


@contextmanager
def running_relays(env: Mapping[str, str], count: int = 1) -> Iterator[list[RunningRelay]]:
    relays: list[RunningRelay] = []
    try:
        for _ in range(count):
            relays.append(start_relay(env))
        yield relays
    finally:
        for relay in relays:
            if relay.process.poll() is None:
                relay.stop()
            relay.log_path.unlink(missing_ok=True)


def wait_for(
    condition: Callable[[], object], timeout: float, message: str = "", interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message}")
        time.sleep(interval)


# ------------------------------------------------------------------------------------------ the stream


@dataclass(frozen=True)
class StreamMessage:
    stream_seq: int
    msg_id: str
    subject: str
    body: dict[str, Any]


async def read_stream(target: StreamTarget) -> list[StreamMessage]:
    """Every message of the stream, in stream order, through an ephemeral pull consumer."""
    client = await nats.connect(target.nats_url)
    try:
        js = client.jetstream()
        total = (await js.stream_info(target.stream)).state.messages
        consumer = await js.pull_subscribe(f"{target.prefix}.>", stream=target.stream)
        messages: list[StreamMessage] = []
        while len(messages) < total:
            for msg in await consumer.fetch(min(500, total - len(messages)), timeout=10):
                await msg.ack()
                headers = msg.headers or {}
                messages.append(
                    StreamMessage(
                        msg.metadata.sequence.stream,
                        headers.get("Nats-Msg-Id", ""),
                        msg.subject,
                        json.loads(msg.data),
                    )
                )
        await consumer.unsubscribe()
        return sorted(messages, key=lambda m: m.stream_seq)
    finally:
        await client.close()


async def stream_count(target: StreamTarget) -> int:
    client = await nats.connect(target.nats_url)
    try:
        return int((await client.jetstream().stream_info(target.stream)).state.messages)
    finally:
        await client.close()


def stream_messages(target: StreamTarget) -> int:
    return asyncio.run(stream_count(target))


async def delete_stream(target: StreamTarget) -> None:
    client = await nats.connect(target.nats_url)
    try:
        await client.jetstream().delete_stream(target.stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


# ------------------------------------------------------------------------------------------ the outbox


def insert_events(
    database_url: str,
    events: Iterable[tuple[str, str, str, Any]],
    correlation_id: str | None = None,
) -> list[uuid.UUID]:
    """Inserts (aggregate_type, aggregate_id, event_type, data) rows in the given order, one transaction."""
    rows = [(uuid.uuid4(), *event) for event in events]
    with psycopg.connect(database_url) as conn:
        conn.cursor().executemany(
            "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, correlation_id)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [(i, at, aid, et, Jsonb(data), correlation_id or f"corr-{i}") for i, at, aid, et, data in rows],
        )
    return [row[0] for row in rows]


def outbox_rows(database_url: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url) as conn:
        cursor = conn.execute(
            "SELECT id, seq, aggregate_type, aggregate_id, event_type, published_at, attempts, last_error,"
            " failed_at, correlation_id FROM outbox ORDER BY seq"
        )
        names = [column.name for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def unpublished(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
    assert row is not None
    return int(row[0])
