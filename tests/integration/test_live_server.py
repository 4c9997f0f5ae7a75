"""`paybridge serve` as a real process over TCP: concurrency invariants, idempotency bursts, shutdown."""

from __future__ import annotations

import asyncio
import random
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from paybridge.domain.users import Role
from tests.integration.conftest import Actor
from tests.support.containers import make_container
from tests.support.server import RunningServer, run_server, server_env

WALLETS = 12
TRANSFERS = 240
SEED = 10_000


@pytest.fixture(scope="module")
def live_server(migrated_database_url: str) -> Iterator[RunningServer]:
    with run_server(server_env(migrated_database_url), "--workers", "2") as server:
        yield server


async def _actor(http: httpx.AsyncClient, role: Role = Role.USER, database_url: str | None = None) -> Actor:
    email = f"live-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct horse battery"
    if role is Role.ADMIN:
        container = (
            make_container("memory") if database_url is None else make_container("postgres", database_url)
        )
        from paybridge.bootstrap import start, stop

        await start(container)
        try:
            user = await container.register_user()(email, "Admin", password, Role.ADMIN)
        finally:
            await stop(container)
        user_id = str(user.id)
    else:
        created = await http.post(
            "/api/v1/users", json={"email": email, "full_name": "Live", "password": password}
        )
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
    token = await http.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert token.status_code == 200, token.text
    return Actor(user_id, email, {"Authorization": f"Bearer {token.json()['access_token']}"})


async def _funded_wallets(
    http: httpx.AsyncClient, admin: Actor, count: int, amount: int
) -> list[tuple[Actor, dict[str, Any]]]:
    owners = await asyncio.gather(*(_actor(http) for _ in range(count)))
    funded = []
    for owner in owners:
        wallet = (await http.post("/api/v1/wallets", json={"currency": "USD"}, headers=owner.headers)).json()
        response = await http.post(
            "/api/v1/deposits",
            json={"wallet_id": wallet["id"], "amount": amount, "currency": "USD"},
            headers=admin.idem(),
        )
        assert response.status_code == 201, response.text
        verified = await http.post(  # owners send money: an administrator verifies their identity (KYC)
            f"/api/v1/admin/users/{owner.id}/kyc", json={"decision": "VERIFIED"}, headers=admin.headers
        )
        assert verified.status_code == 200, verified.text
        funded.append((owner, wallet))
    return funded


def _ledger_facts(database_url: str, wallet_ids: list[str]) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        balances: dict[str, Any] = dict(
            conn.execute("SELECT id::text, balance FROM wallets WHERE id = ANY(%s::uuid[])", (wallet_ids,))
        )
        entry_sums: dict[str, Any] = dict(
            conn.execute(
                "SELECT wallet_id::text, sum(amount) FROM ledger_entries WHERE wallet_id = ANY(%s::uuid[])"
                " GROUP BY wallet_id",
                (wallet_ids,),
            )
        )
        unbalanced = conn.execute(
            "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id, currency"
            " HAVING sum(amount) <> 0) AS t"
        ).fetchone()
        negative = conn.execute("SELECT count(*) FROM wallets WHERE kind = 'USER' AND balance < 0").fetchone()
        system_total = conn.execute(
            "SELECT coalesce(sum(balance), 0) FROM wallets WHERE currency = 'USD'"
        ).fetchone()
    assert unbalanced is not None and negative is not None and system_total is not None
    return {
        "balances": {k: int(v) for k, v in balances.items()},
        "entry_sums": {k: int(v) for k, v in entry_sums.items()},
        "unbalanced": unbalanced[0],
        "negative": negative[0],
        "usd_total_including_system": int(system_total[0]),
    }


async def test_concurrent_random_transfers_conserve_money(
    live_server: RunningServer, migrated_database_url: str
) -> None:
    rng = random.Random(20261128)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=60.0, limits=limits) as http:
        admin = await _actor(http, Role.ADMIN, migrated_database_url)
        funded = await _funded_wallets(http, admin, WALLETS, SEED)
        wallet_ids = [w["id"] for _, w in funded]
        # Every wallet is the source of exactly TRANSFERS / WALLETS transfers of at most 100 minor units, so
        # no transfer can legitimately lack funds: any 422 or 5xx here is a concurrency defect.
        plan = [
            (i % WALLETS, rng.choice([j for j in range(WALLETS) if j != i % WALLETS]))
            for i in range(TRANSFERS)
        ]
        rng.shuffle(plan)

        async def transfer(source: int, destination: int) -> httpx.Response:
            owner, wallet = funded[source]
            return await http.post(
                "/api/v1/transfers",
                json={
                    "source_wallet_id": wallet["id"],
                    "destination_wallet_id": funded[destination][1]["id"],
                    "amount": rng.randint(1, 100),
                    "currency": "USD",
                },
                headers=owner.idem(),
            )

        responses = await asyncio.gather(*(transfer(s, d) for s, d in plan))

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == TRANSFERS, {s: statuses.count(s) for s in set(statuses)}
    facts = _ledger_facts(migrated_database_url, wallet_ids)
    assert sum(facts["balances"].values()) == WALLETS * SEED
    assert facts["balances"] == facts["entry_sums"]
    assert facts["negative"] == 0
    assert facts["unbalanced"] == 0
    assert facts["usd_total_including_system"] == 0  # the settlement account mirrors every deposit
    ids = {r.json()["id"] for r in responses}
    with psycopg.connect(migrated_database_url) as conn:
        events = conn.execute(
            "SELECT aggregate_id FROM outbox WHERE event_type = 'transfer.completed' AND aggregate_id = ANY(%s)",
            (list(ids),),
        ).fetchall()
    assert sorted(row[0] for row in events) == sorted(ids)


async def test_opposing_transfers_on_hot_wallets_never_fail(
    live_server: RunningServer, migrated_database_url: str
) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=60.0) as http:
        admin = await _actor(http, Role.ADMIN, migrated_database_url)
        (alice, a), (bob, b) = await _funded_wallets(http, admin, 2, 100_000)

        async def send(actor: Actor, source: dict[str, Any], destination: dict[str, Any]) -> int:
            response = await http.post(
                "/api/v1/transfers",
                json={
                    "source_wallet_id": source["id"],
                    "destination_wallet_id": destination["id"],
                    "amount": 7,
                    "currency": "USD",
                },
                headers=actor.idem(),
            )
            return response.status_code

        statuses = await asyncio.gather(
            *(send(alice, a, b) if i % 2 else send(bob, b, a) for i in range(100))
        )
    assert set(statuses) == {201}
    facts = _ledger_facts(migrated_database_url, [a["id"], b["id"]])
    assert facts["balances"] == {a["id"]: 100_000, b["id"]: 100_000}


async def test_fifty_identical_requests_create_one_transaction(
    live_server: RunningServer, migrated_database_url: str
) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=60.0) as http:
        admin = await _actor(http, Role.ADMIN, migrated_database_url)
        (alice, a), (_, b) = await _funded_wallets(http, admin, 2, 1_000)
        headers = alice.idem("the-one-and-only")
        body = {
            "source_wallet_id": a["id"],
            "destination_wallet_id": b["id"],
            "amount": 250,
            "currency": "USD",
        }
        responses = await asyncio.gather(
            *(http.post("/api/v1/transfers", json=body, headers=headers) for _ in range(50))
        )
        final = await http.get(f"/api/v1/wallets/{a['id']}", headers=alice.headers)

    created = [r for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409}
    assert all(r.headers.get("retry-after") for r in responses if r.status_code == 409)
    assert len({r.json()["id"] for r in created}) == 1
    assert sum(r.headers.get("idempotent-replayed") != "true" for r in created) == 1
    assert final.json()["balance"] == 750
    with psycopg.connect(migrated_database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM transactions WHERE source_wallet_id = %s", (a["id"],)
        ).fetchone()
    assert row == (1,)


async def test_sigterm_turns_ready_503_at_once_and_finishes_in_flight_requests(
    migrated_database_url: str,
) -> None:
    env = server_env(migrated_database_url, PAYBRIDGE_SHUTDOWN_DRAIN_SECONDS="1.5")
    with run_server(env) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30.0) as http:
            admin = await _actor(http, Role.ADMIN, migrated_database_url)
            (alice, a), (_, b) = await _funded_wallets(http, admin, 2, 1_000)
            assert (await http.get("/ready")).status_code == 200
            # Hold Alice's wallet row so her transfer is still in flight when the signal arrives.
            with psycopg.connect(migrated_database_url) as blocker:
                blocker.execute("SELECT 1 FROM wallets WHERE id = %s FOR UPDATE", (a["id"],))
                in_flight = asyncio.create_task(
                    http.post(
                        "/api/v1/transfers",
                        json={
                            "source_wallet_id": a["id"],
                            "destination_wallet_id": b["id"],
                            "amount": 100,
                            "currency": "USD",
                        },
                        headers=alice.idem(),
                    )
                )
                await asyncio.sleep(0.5)
                assert not in_flight.done()
                server.process.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.3)
                async with httpx.AsyncClient(base_url=server.base_url, timeout=5.0) as fresh:
                    draining = await fresh.get("/ready")
                assert draining.status_code == 503
                assert draining.json()["checks"]["server"] == "draining"
                await asyncio.sleep(
                    2.0
                )  # past the drain delay: the listener is closed, the request still runs
                assert not in_flight.done()
                blocker.commit()  # release the row lock
            response = await in_flight
        code = server.process.wait(timeout=30)
        log = server.log()
    assert response.status_code == 201, response.text
    assert code == 0, log
    assert "database pool closed" in log
    with psycopg.connect(migrated_database_url) as conn:
        row = conn.execute("SELECT balance FROM wallets WHERE id = %s", (b["id"],)).fetchone()
    assert row is not None and int(row[0]) == 1_100
