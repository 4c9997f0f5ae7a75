"""Every `paybridge_*` series moves when its event happens: requests are made to the real app on PostgreSQL
(in-process ASGI) and `/metrics` is scraped over HTTP and parsed with prometheus_client's parser.

Each test gets a fresh container, hence a fresh registry; assertions still compare scrapes taken before and
after the event where the database is shared with other tests (the outbox)."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from dependency_injector import providers

from paybridge.adapters.postgres.ledger import PostgresLedger
from paybridge.application.ports.storage import IdempotencyRecord, PostingRefused
from paybridge.bootstrap import Container
from paybridge.domain.errors import ConcurrencyConflict
from paybridge.domain.transactions import Posting
from tests.integration.conftest import deposit, open_wallet, register, register_admin
from tests.support.containers import make_container
from tests.support.metrics import app_client, label_sets, sample, scrape_client, total

pytestmark = pytest.mark.integration

REQUESTS = "paybridge_http_requests_total"
DURATION = "paybridge_http_request_duration_seconds"
SIZE = "paybridge_http_response_size_bytes"
IN_FLIGHT = "paybridge_http_requests_in_flight"
WALLET = "/api/v1/wallets/{wallet_id}"


async def test_requests_are_counted_by_route_template_and_status(client: httpx.AsyncClient) -> None:
    actor = await register(client)
    unknown_wallet = f"/api/v1/wallets/{uuid.uuid4()}"
    assert (await client.get(unknown_wallet, headers=actor.headers)).status_code == 404
    assert (await client.get(unknown_wallet)).status_code == 401  # refused before any handler logic
    assert (await client.get("/no/such/route")).status_code == 404
    assert (await client.delete("/api/v1/wallets")).status_code == 405
    oversized = b'{"email": "' + b"x" * 70_000 + b'"}'
    too_large = await client.post(
        "/api/v1/users", content=oversized, headers={"content-type": "application/json"}
    )
    assert too_large.status_code == 413
    first = await scrape_client(client)
    second = await scrape_client(client)

    assert sample(first, REQUESTS, method="POST", path="/api/v1/users", status="201") == 1
    assert sample(first, REQUESTS, method="GET", path=WALLET, status="404") == 1
    assert sample(first, REQUESTS, method="GET", path=WALLET, status="401") == 1
    assert sample(first, REQUESTS, method="GET", path="unmatched", status="404") == 1
    assert sample(first, REQUESTS, method="DELETE", path="/api/v1/wallets", status="405") == 1
    assert sample(first, REQUESTS, method="POST", path="/api/v1/users", status="413") == 1
    paths = {labels["path"] for labels in label_sets(second, REQUESTS)}
    assert "/metrics" not in paths  # scrapes are not counted ...
    assert total(second, REQUESTS) == total(first, REQUESTS)  # ... not even by the next scrape
    assert all(":" not in path for path in paths), paths  # convertors stripped, never raw URLs
    assert sample(first, f"{DURATION}_count", method="GET", path=WALLET) == 2
    assert sample(first, f"{DURATION}_sum", method="GET", path=WALLET) > 0
    assert sample(first, f"{DURATION}_bucket", method="GET", path=WALLET, le="+Inf") == 2
    assert sample(first, f"{SIZE}_count", method="GET", path=WALLET) == 2
    assert sample(first, f"{SIZE}_sum", method="GET", path=WALLET) > 100  # two problem documents
    assert sample(first, IN_FLIGHT) == 0


async def test_in_flight_gauge_and_a_crash_counted_as_500(migrated_database_url: str) -> None:
    container = make_container("postgres", migrated_database_url)
    entered, release = asyncio.Event(), asyncio.Event()

    async def crashing_profile(principal: Any) -> Any:
        entered.set()
        await release.wait()
        raise RuntimeError("a defect in the use case")

    container.get_profile.override(providers.Object(crashing_profile))
    async with app_client(container) as http:
        actor = await register(http)
        pending = asyncio.create_task(http.get("/api/v1/users/me", headers=actor.headers))
        await entered.wait()
        during = await scrape_client(http)
        release.set()
        response = await pending
        after = await scrape_client(http)

    assert response.status_code == 500  # answered by RequestContextMiddleware, inside the metrics one
    assert sample(during, IN_FLIGHT) == 1
    assert sample(after, IN_FLIGHT) == 0
    assert sample(after, REQUESTS, method="GET", path="/api/v1/users/me", status="500") == 1


async def test_business_outcomes_amounts_replays_and_queries(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    admin = await register_admin(client, app_container)
    alice = await register(client)
    wallet = await open_wallet(client, alice, "EUR")
    before = await scrape_client(client)
    key = str(uuid.uuid4())
    body = {"wallet_id": wallet["id"], "amount": 12_345, "currency": "EUR"}
    first = await client.post("/api/v1/deposits", json=body, headers=admin.idem(key))
    replay = await client.post("/api/v1/deposits", json=body, headers=admin.idem(key))
    refused = await client.post(
        "/api/v1/withdrawals",
        json={"wallet_id": wallet["id"], "amount": 99_999, "currency": "EUR"},
        headers=alice.idem(),
    )
    after = await scrape_client(client)

    assert (first.status_code, replay.status_code, refused.status_code) == (201, 201, 422)
    assert replay.headers["idempotent-replayed"] == "true"

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    outcomes = "paybridge_business_transactions_total"
    assert moved(outcomes, type="DEPOSIT", status="COMPLETED", currency="EUR") == 1  # the replay is not
    assert moved(outcomes, type="WITHDRAWAL", status="FAILED", currency="EUR") == 1
    rejected = "paybridge_business_transactions_rejected_total"
    assert moved(rejected, type="WITHDRAWAL", reason="insufficient_funds") == 1
    amount = "paybridge_business_transaction_amount"
    assert moved(f"{amount}_sum", type="DEPOSIT", currency="EUR") == 12_345
    assert moved(f"{amount}_count", type="DEPOSIT", currency="EUR") == 1
    assert moved(f"{amount}_bucket", type="DEPOSIT", currency="EUR", le="10000.0") == 0
    assert moved(f"{amount}_bucket", type="DEPOSIT", currency="EUR", le="100000.0") == 1
    assert moved("paybridge_idempotency_replays_total", operation="deposit") == 1

    queries = "paybridge_db_query_duration_seconds_count"
    assert moved(queries, operation="post", table="transactions") >= 1
    assert moved(queries, operation="select", table="wallets") >= 1
    assert moved(queries, operation="lock", table="idempotency_keys") == 3
    assert sample(after, queries, operation="insert", table="users") >= 2  # the registrations


async def test_database_errors_are_counted_by_type(client: httpx.AsyncClient) -> None:
    actor = await register(client)
    duplicate = await client.post(
        "/api/v1/users",
        json={"email": actor.email, "full_name": "Again", "password": "correct horse battery"},
    )
    samples = await scrape_client(client)

    assert duplicate.status_code == 409
    errors = "paybridge_db_errors_total"
    assert sample(samples, errors, operation="insert", error_type="UniqueViolation") == 1


async def test_pool_gauge_is_read_at_every_scrape(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    pool = app_container.database().pool
    idle = await scrape_client(client)
    held = await pool.getconn()
    try:
        busy = await scrape_client(client)
    finally:
        await pool.putconn(held)
    released = await scrape_client(client)

    connections = "paybridge_db_connections"
    assert {labels["state"] for labels in label_sets(idle, connections)} == {"idle", "in_use", "max"}
    assert sample(idle, connections, state="max") == app_container.settings().db_pool_max_size
    assert sample(busy, connections, state="in_use") == sample(idle, connections, state="in_use") + 1
    assert sample(released, connections, state="in_use") == sample(idle, connections, state="in_use")
    assert sample(released, connections, state="idle") >= 1


async def test_storage_retries_are_counted_by_reason(
    client: httpx.AsyncClient, app_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await register_admin(client, app_container)
    wallet = await open_wallet(client, await register(client))
    original = PostgresLedger.post
    calls = 0

    async def deadlocks_once(
        self: PostgresLedger, posting: Posting, idempotency: IdempotencyRecord | None
    ) -> PostingRefused | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConcurrencyConflict("deadlock detected", reason="deadlock")
        return await original(self, posting, idempotency)

    monkeypatch.setattr(PostgresLedger, "post", deadlocks_once)
    await deposit(client, admin, wallet["id"], 500)
    samples = await scrape_client(client)

    assert calls == 2
    assert sample(samples, "paybridge_db_retries_total", reason="deadlock") == 1
    completed = "paybridge_business_transactions_total"
    assert sample(samples, completed, type="DEPOSIT", status="COMPLETED", currency="USD") == 1


async def test_outbox_backlog_gauges_follow_the_outbox(
    client: httpx.AsyncClient, app_container: Container, migrated_database_url: str
) -> None:
    admin = await register_admin(client, app_container)
    wallet = await open_wallet(client, await register(client))
    pending, age = "paybridge_outbox_pending", "paybridge_outbox_oldest_pending_age_seconds"
    before = await scrape_client(client)
    for _ in range(3):
        await deposit(client, admin, wallet["id"], 100)
    # The backlog is measured at most every 2 s (a cached query), so a later scrape shows the deposits.
    deadline = time.monotonic() + 10
    after = await scrape_client(client)
    while sample(after, pending) < sample(before, pending) + 3:
        assert time.monotonic() < deadline, "the outbox gauge never caught up with the outbox"
        await asyncio.sleep(0.25)
        after = await scrape_client(client)
    with psycopg.connect(migrated_database_url) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()

    assert row is not None and sample(after, pending) <= row[0]
    assert not math.isnan(sample(after, age)) and sample(after, age) >= 0
