"""The purge of expired exchange quotes through its entrypoints — `paybridge quotes purge` and the API
server's background task (beside the idempotency key purge) — and against a concurrent exchange. Quotes are
made with a clock a month in the past, so they are due by the wall clock the purges use; each test has its
own database, so every count is its own."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg
import pytest
from dependency_injector import providers

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.application.use_cases.exchanges import ExchangeCommand
from paybridge.bootstrap import start, stop
from paybridge.config import Settings
from paybridge.entrypoints.http.app import create_app
from tests.contract.test_exchange import with_rates
from tests.contract.test_holds import funded
from tests.support.containers import FakeClock, make_container
from tests.support.kyc import new_principal
from tests.support.postgres import DatabaseFactory
from tests.support.server import PAYBRIDGE, server_env

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Quotes:
    used: UUID  # a month old, bought an exchange
    due: UUID  # a month old, never used
    recent: UUID  # made just now


@pytest.fixture
async def quotes(new_database: DatabaseFactory) -> tuple[str, Quotes]:
    url = new_database("pbquote")
    YoyoMigrator(url, Settings().migrations_dir).up()
    container = make_container("postgres", url)
    clock = FakeClock(datetime.now(UTC) - timedelta(days=30))
    container.clock.override(providers.Object(clock))
    await start(container)
    try:
        await with_rates(container)
        alice = await new_principal(container)
        usd, jpy = await funded(container, alice, 10_000), await container.open_wallet()(alice, "JPY")
        used = (await container.quote_exchange()(alice, "USD", "JPY")).quote.id
        due = (await container.quote_exchange()(alice, "USD", "JPY")).quote.id
        await container.exchange_currency()(alice, ExchangeCommand(usd.id, jpy.id, 100, used), "x")
        clock.current = datetime.now(UTC)
        recent = (await container.quote_exchange()(alice, "USD", "JPY")).quote.id
    finally:
        await stop(container)
    return url, Quotes(used, due, recent)


def remaining(url: str) -> set[UUID]:
    with psycopg.connect(url) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM exchange_quotes").fetchall()}


async def test_paybridge_quotes_purge(quotes: tuple[str, Quotes]) -> None:
    url, made = quotes
    for expected in (1, 0):
        process = await asyncio.create_subprocess_exec(
            PAYBRIDGE,
            "quotes",
            "purge",
            "--database-url",
            url,
            env=server_env(None),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, err.decode()
        assert out.decode().strip() == f"purged {expected} expired exchange quotes"
    assert remaining(url) == {made.used, made.recent}


async def test_the_server_purges_expired_quotes_in_the_background(
    quotes: tuple[str, Quotes], caplog: pytest.LogCaptureFixture
) -> None:
    url, made = quotes
    app = create_app(make_container("postgres", url, idempotency_purge_interval_seconds=1))
    with caplog.at_level(logging.INFO, logger="paybridge.application.use_cases.maintenance"):
        async with app.router.lifespan_context(app):
            for _ in range(100):
                if made.due not in remaining(url):
                    break
                await asyncio.sleep(0.1)
    assert remaining(url) == {made.used, made.recent}
    purged = [r for r in caplog.records if r.getMessage() == "purged expired exchange quotes"]
    assert [getattr(r, "purged", None) for r in purged] == [1]


async def test_a_quote_an_exchange_uses_during_the_purge_is_kept(quotes: tuple[str, Quotes]) -> None:
    """An exchange that locked and used a due quote (here by hand: its clock would refuse the quote) commits
    while the purge's batch waits for the row: the batch re-checks the new row version and keeps it."""
    url, made = quotes
    container = make_container("postgres", url)
    await start(container)
    try:
        async with await psycopg.AsyncConnection.connect(url) as exchanging:
            transaction_id = uuid.uuid4()
            await exchanging.execute(
                "INSERT INTO transactions (id, type, status, amount, currency, destination_wallet_id,"
                " created_at) SELECT %s, 'DEPOSIT', 'PENDING', 1, 'USD', id, now() FROM wallets"
                " WHERE currency = 'USD' LIMIT 1",
                (transaction_id,),
            )
            await exchanging.execute(
                "UPDATE exchange_quotes SET transaction_id = %s WHERE id = %s", (transaction_id, made.due)
            )
            purging = asyncio.create_task(container.purge_expired_quotes()())
            await asyncio.sleep(0.5)
            assert not purging.done()  # waiting for the row the exchange holds
            await exchanging.commit()
        assert await asyncio.wait_for(purging, timeout=30) == 0
    finally:
        await stop(container)
    assert remaining(url) == {made.used, made.due, made.recent}
