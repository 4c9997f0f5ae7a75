"""The connection pool and what operators ask of it: open, close, ping, statistics. It also owns the
process's outbox notifier (started and stopped with the pool), which units of work poke after committing
events."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from paybridge.adapters.postgres.errors import translate
from paybridge.adapters.postgres.outbox_notifier import PostgresOutboxNotifier
from paybridge.adapters.postgres.session import NullQueryObserver, QueryObserver

logger = logging.getLogger(__name__)


def session_options(statement_timeout_ms: int, generic_plans: bool = False) -> str:
    """The settings of every pooled session (libpq `options`).

    `jit=off`: JIT compilation pays off for long analytical queries, never for these; it fired on plans
    whose *estimated* cost is high (a generic plan with an unknown LIMIT) and added 14-30 ms to a 0.2 ms list
    query.

    `generic_plans` (the API's sessions, `PAYBRIDGE_DB_GENERIC_PLANS`): `plan_cache_mode=force_generic_plan`.
    psycopg prepares a statement from its 5th execution on a connection, and PostgreSQL then still re-plans it
    for every call's values whenever it estimates a custom plan cheaper. For the posting statement (a 14-part
    CTE) that re-planning cost more than executing it: ceiling A ran at 1,011 transfers/s by default and
    1,365/s with generic plans (docs/performance.md). Every statement the API sends repeatedly is written so
    that its generic plan is index-driven (tests/integration/test_generic_plans.py checks them on skewed
    data). The relay and the CLI keep PostgreSQL's default: the relay's claim query needs the custom plan."""
    options = f"-c statement_timeout={statement_timeout_ms} -c TimeZone=UTC -c jit=off"
    return options + (" -c plan_cache_mode=force_generic_plan" if generic_plans else "")


@dataclass(frozen=True, slots=True)
class PoolStats:
    size: int
    idle: int
    in_use: int
    max_size: int
    waiting: int


class PostgresDatabase:
    def __init__(
        self,
        url: str,
        min_size: int = 1,
        max_size: int = 8,
        timeout_seconds: float = 5.0,
        reconnect_timeout_seconds: float = 10.0,
        statement_timeout_ms: int = 15_000,
        observer: QueryObserver | None = None,
        notify_outbox: bool = True,
        check_idle_seconds: float = 2.0,
        generic_plans: bool = False,
    ) -> None:
        self.url = url
        self.observer: QueryObserver = observer or NullQueryObserver()
        self.pool = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout_seconds,
            # psycopg_pool retries a lost connection with exponential backoff (1, 2, 4, 8 ... s) until this
            # timeout, so with its default (300 s) the pool came back up to as long after the database as the
            # outage lasted. Giving up after 10 s instead ends the chain; the next getconn (a request or a
            # readiness probe) starts a fresh one at 1 s, so recovery takes seconds, whatever the outage.
            reconnect_timeout=reconnect_timeout_seconds,
            open=False,
            kwargs={
                "autocommit": False,
                "options": session_options(statement_timeout_ms, generic_plans),
            },
            configure=self._configure,
            check=self._check,
            name="paybridge",
        )
        self._check_idle_seconds = check_idle_seconds
        self._returned: weakref.WeakKeyDictionary[AsyncConnection[Any], float] = weakref.WeakKeyDictionary()
        self.known_system_accounts: set[Any] = set()
        # Wakes the outbox relay after commits that wrote events (disabled: the relay finds them by polling).
        self.outbox_notifier = PostgresOutboxNotifier(self.pool, enabled=notify_outbox)

    @staticmethod
    async def _configure(connection: AsyncConnection[Any]) -> None:
        await connection.set_autocommit(False)

    async def _check(self, connection: AsyncConnection[Any]) -> None:
        """On checkout, a connection idle for more than `check_idle_seconds` is pinged (an empty query; the
        pool replaces it when that fails). One returned moments ago is handed out as it is: under load that
        saves a round trip per unit of work, and a connection lost since then fails its statement, which
        surfaces as StorageUnavailable and is discarded by the pool."""
        if time.monotonic() - self._returned.get(connection, 0.0) > self._check_idle_seconds:
            await AsyncConnectionPool.check_connection(connection)

    async def acquire(self) -> AsyncConnection[Any]:
        """A pooled connection (`pool.getconn()`); no connection in time is StorageUnavailable (translated)."""
        try:
            return await self.pool.getconn()
        except Exception as error:
            translated = translate(error)
            if translated is not None:
                raise translated from error
            raise

    async def release(self, connection: AsyncConnection[Any]) -> None:
        """Returns a connection taken with `pool.getconn()`, noting when (for the checkout check)."""
        self._returned[connection] = time.monotonic()
        await self.pool.putconn(connection)

    async def open(self, wait: bool = True, wait_seconds: float = 30.0) -> None:
        await self.pool.open(wait=wait, timeout=wait_seconds)
        await self.outbox_notifier.start()
        logger.info("database pool opened", extra={"max_size": self.pool.max_size})

    async def close(self) -> None:
        await self.outbox_notifier.close()  # first: a pending NOTIFY still has the pool
        await self.pool.close()
        logger.info("database pool closed")

    async def ping(self, within_seconds: float = 2.0) -> str | None:
        """None when the database answered `SELECT 1` within `within_seconds`, else why not."""
        try:
            async with asyncio.timeout(within_seconds):
                connection = await self.pool.getconn(timeout=within_seconds)
                try:
                    await connection.execute("SELECT 1")
                    await connection.rollback()
                finally:
                    await self.pool.putconn(connection)
        except TimeoutError:
            return f"no answer within {within_seconds:g}s"
        except (psycopg.Error, OSError) as error:
            return f"{type(error).__name__}: {error}".strip()[:300]
        return None

    def stats(self) -> PoolStats:
        raw = self.pool.get_stats()
        size = raw.get("pool_size", 0)
        idle = raw.get("pool_available", 0)
        return PoolStats(
            size=size,
            idle=idle,
            in_use=size - idle,
            max_size=self.pool.max_size,
            waiting=raw.get("requests_waiting", 0),
        )
