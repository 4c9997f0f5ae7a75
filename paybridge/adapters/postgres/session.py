"""Executes SQL on one connection, timing each query and translating errors (`raise ... from error`)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, LiteralString, Protocol

from psycopg import AsyncConnection, AsyncRawCursor

from paybridge.adapters.postgres.errors import error_type, translate
from paybridge.adapters.postgres.raw_statements import RawStatement

Params = Mapping[str, Any] | Sequence[Any] | None


class QueryObserver(Protocol):
    def query_finished(self, operation: str, table: str, seconds: float, error: str | None) -> None: ...


class NullQueryObserver:
    def query_finished(self, operation: str, table: str, seconds: float, error: str | None) -> None:
        return None


class PostgresSession:
    def __init__(self, connection: AsyncConnection[Any], observer: QueryObserver) -> None:
        self.connection = connection
        self._observer = observer
        # Set by the writers of outbox rows (PostgresOutbox.add, PostgresLedger.post): the unit of work then
        # pokes the outbox notifier after COMMIT.
        self.wrote_outbox = False

    async def fetchone(
        self, operation: str, table: str, sql: LiteralString, params: Params = None
    ) -> tuple[Any, ...] | None:
        rows = await self._run(operation, table, sql, params, want="one")
        return rows[0] if rows else None

    async def fetchall(
        self, operation: str, table: str, sql: LiteralString, params: Params = None
    ) -> list[tuple[Any, ...]]:
        return await self._run(operation, table, sql, params, want="all")

    async def fetchone_raw(
        self, operation: str, table: str, statement: RawStatement, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """Like `fetchone`, for a statement already converted to `$n` placeholders (no parsing per call)."""
        with self._observed(operation, table):
            cursor = AsyncRawCursor(self.connection)
            await cursor.execute(statement.text, [params[name] for name in statement.names])
            return await cursor.fetchone()

    async def execute(self, operation: str, table: str, sql: LiteralString, params: Params = None) -> int:
        with self._observed(operation, table):
            cursor = await self.connection.execute(sql, params)
            return cursor.rowcount

    async def _run(
        self, operation: str, table: str, sql: LiteralString, params: Params, want: str
    ) -> list[tuple[Any, ...]]:
        with self._observed(operation, table):
            cursor = await self.connection.execute(sql, params)
            if want == "one":
                row = await cursor.fetchone()
                return [] if row is None else [row]
            return await cursor.fetchall()

    @contextmanager
    def _observed(self, operation: str, table: str) -> Iterator[None]:
        """Times the statement for the observer and re-raises database errors translated (`from` them)."""
        started = time.perf_counter()
        failure: str | None = None
        try:
            yield
        except Exception as error:
            failure = error_type(error)
            _raise_translated(error)
            raise
        finally:
            self._observer.query_finished(operation, table, time.perf_counter() - started, failure)


def _raise_translated(error: Exception) -> None:
    translated = translate(error)
    if translated is not None:
        raise translated from error
