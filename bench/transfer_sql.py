"""The SQL a transfer really sends, recorded from the running app.

`capture_transfer(url)` serves one in-process app (the real container, routes and middleware) on a migrated
database, makes a warm-up transfer and then a second one over HTTP (ASGI), and records every statement
psycopg sends for the second — the implicit BEGIN (psycopg opens a transaction before the first statement on
an idle non-autocommit connection), the pool's connection check (an empty query, when the connection had
been idle) and COMMIT included; or the one statement of an express transfer, in autocommit — with
the text psycopg put on the wire ($n placeholders), the parameter types and the values.
bench/ceiling_a.py turns that into the pgbench script of ceiling A and checks that the two agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
from psycopg import pq, sql

from bench.runner import server_env
from bench.seed import seed
from paybridge.adapters.postgres.raw_statements import parameter_names
from paybridge.bootstrap import build_container
from paybridge.config import Settings
from paybridge.entrypoints.http.app import create_app

POOL_CHECK = ""  # psycopg_pool's check_connection: an empty query in autocommit mode, on every checkout


@dataclass(frozen=True)
class Sent:
    """One statement as the app sent it: its source text, the text psycopg sent ($n placeholders), the
    parameter types (OIDs) and values in $n order."""

    text: str
    query: str = ""
    types: tuple[int, ...] = ()
    values: tuple[Any, ...] = ()
    names: tuple[str, ...] | None = None  # the parameter names in $n order (named placeholders only)
    params: Any = None  # as passed to execute()


@dataclass
class Recording:
    """What one request sent: (connection id, statement) in order."""

    active: bool = False
    sent: list[tuple[int, Sent]] = field(default_factory=list)

    @property
    def statements(self) -> list[Sent]:
        return [sent for _, sent in self.sent]

    def note(self, connection: psycopg.AsyncConnection[Any], sent: Sent) -> None:
        if self.active:
            self.sent.append((id(connection), sent))

    def first_transaction(self) -> list[Sent]:
        """The statements of the first transaction — BEGIN..COMMIT, or one statement in autocommit — with the
        pool check that preceded it on its connection."""
        begin = next(i for i, (_, sent) in enumerate(self.sent) if sent.text != POOL_CHECK)
        owner = self.sent[begin][0]
        if self.sent[begin][1].text != "BEGIN":
            before = [sent for conn, sent in self.sent[:begin] if conn == owner][-1:]
            return [sent for sent in before if sent.text == POOL_CHECK] + [self.sent[begin][1]]
        mine = [(i, sent) for i, (conn, sent) in enumerate(self.sent) if conn == owner]
        before = [sent for i, sent in mine if i < begin][-1:]
        during: list[Sent] = []
        for i, sent in mine:
            if i >= begin:
                during.append(sent)
                if sent.text in ("COMMIT", "ROLLBACK"):
                    break
        return [sent for sent in before if sent.text == POOL_CHECK] + during


def _sent(text: str, cursor: Any, params: Any) -> Sent:
    converted = cursor._query  # psycopg's PostgresQuery of this execute: what went on the wire
    if converted is None or params is None:
        return Sent(text, text)
    order = converted._order
    values = tuple(params[name] for name in order) if order is not None else tuple(params)
    # a statement the app converted to $n itself (raw_statements.raw) is sent by a raw cursor: its names
    names = tuple(order) if order is not None else parameter_names(text)
    sent_params = params if names is None or order is not None else dict(zip(names, values, strict=True))
    return Sent(text, bytes(converted.query).decode(), tuple(converted.types), values, names, sent_params)


def _patched(recorder: Recording) -> tuple[Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]]:
    execute, commit = psycopg.AsyncCursor.execute, psycopg.AsyncConnection.commit

    async def recording_execute(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        connection = cursor.connection
        text = query.as_string(connection) if isinstance(query, sql.Composable) else query
        if isinstance(text, bytes):
            text = text.decode()
        idle = connection.info.transaction_status == pq.TransactionStatus.IDLE
        if idle and not connection.autocommit:
            recorder.note(connection, Sent("BEGIN", "BEGIN"))
        result = await execute(cursor, query, params, **kwargs)
        recorder.note(connection, _sent(text, cursor, params))
        return result

    async def recording_commit(connection: Any) -> None:
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            recorder.note(connection, Sent("COMMIT", "COMMIT"))
        await commit(connection)

    return recording_execute, recording_commit


@dataclass(frozen=True)
class Call:
    """One HTTP request to make in-process; `record` marks the ones whose statements are kept."""

    method: str
    path: str
    token: str
    body: dict[str, Any] | None = None
    key: str | None = None
    record: bool = True


async def capture_requests(database_url: str, calls: list[Call]) -> list[Recording]:
    """Per recorded call, every statement sent while it ran (all connections), through the real app."""
    settings = Settings.from_env({**server_env(), "DATABASE_URL": database_url})
    app = create_app(build_container("postgres", settings))
    recording = Recording()
    execute, commit = psycopg.AsyncCursor.execute, psycopg.AsyncConnection.commit
    recording_execute, recording_commit = _patched(recording)
    captured: list[Recording] = []
    try:
        psycopg.AsyncCursor.execute = recording_execute  # type: ignore[method-assign,assignment]
        psycopg.AsyncConnection.commit = recording_commit  # type: ignore[method-assign,assignment]
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
                for call in calls:
                    headers = {"authorization": f"Bearer {call.token}"}
                    if call.key is not None:
                        headers["Idempotency-Key"] = call.key
                    recording.sent, recording.active = [], call.record
                    response = await http.request(call.method, call.path, json=call.body, headers=headers)
                    recording.active = False
                    if response.status_code >= 300:
                        raise RuntimeError(
                            f"{call.method} {call.path}: {response.status_code} {response.text}"
                        )
                    if call.record:
                        captured.append(Recording(sent=list(recording.sent)))
    finally:
        psycopg.AsyncCursor.execute = execute  # type: ignore[method-assign]
        psycopg.AsyncConnection.commit = commit  # type: ignore[method-assign]
    return captured


async def capture_transfer(database_url: str) -> list[Sent]:
    """Statements of one steady-state POST /api/v1/transfers on `database_url` (migrated; 2 wallets are
    seeded): the second of two transfers, so nothing first-time-only is recorded."""
    source, destination = await asyncio.to_thread(seed, database_url, 2, 10**9)
    body = {
        "source_wallet_id": source.wallet_id,
        "destination_wallet_id": destination.wallet_id,
        "amount": 1,
        "currency": "USD",
    }
    calls = [
        Call("POST", "/api/v1/transfers", source.token, body, f"capture-{n}", record=n == 1) for n in range(2)
    ]
    (recorded,) = await capture_requests(database_url, calls)
    return recorded.first_transaction()
