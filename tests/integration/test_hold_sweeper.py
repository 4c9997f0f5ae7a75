"""The hold sweeper outside the API: in the outbox relay's process (its runtime runs `ExpireDueHolds` beside
the relay loop) and as `paybridge holds sweep`. Holds are placed with a clock in the past, so they are due by
the wall clock the sweepers use."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from dependency_injector import providers

from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand
from paybridge.bootstrap import start, stop
from paybridge.domain.holds import HoldStatus
from paybridge.domain.users import Role
from paybridge.relay_bootstrap import build_relay
from paybridge.relay_config import RelaySettings
from tests.support import containers
from tests.support.containers import FakeClock, make_container
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal
from tests.support.server import PAYBRIDGE, server_env

pytestmark = pytest.mark.integration


async def place_due_holds(url: str, count: int) -> list[UUID]:
    """`count` holds that expired a minute ago (placed a day ago with a TTL of an hour)."""
    clock = FakeClock(datetime.now(UTC) - timedelta(days=1))
    container = make_container("postgres", url)
    container.clock.override(providers.Object(clock))
    await start(container)
    try:
        alice, admin = await new_principal(container), await new_principal(container, Role.ADMIN)
        wallet = await container.open_wallet()(alice, "USD")
        await container.deposit_money()(admin, DepositCommand(wallet.id, 1_000, "USD"), "seed")
        ids = []
        for i in range(count):
            placed = await container.place_hold()(
                alice, PlaceHoldCommand(wallet.id, 10, "USD", ttl_seconds=3_600), f"h{i}"
            )
            assert placed.hold is not None
            ids.append(placed.hold.id)
        return ids
    finally:
        await stop(container)


async def statuses(url: str, ids: list[UUID]) -> set[HoldStatus]:
    container = make_container("postgres", url)
    await start(container)
    try:
        admin = await new_principal(container, Role.ADMIN)
        found = {(await container.get_hold()(admin, hold_id)).status for hold_id in ids}
        assert_ledger_invariants(container)
        return found
    finally:
        await stop(container)


async def test_the_relay_process_sweeps_expired_holds(migrated_database_url: str) -> None:
    ids = await place_due_holds(migrated_database_url, 3)
    settings = containers.test_settings(database_url=migrated_database_url, hold_sweep_interval_seconds=0.05)
    relay = RelaySettings.from_env({"PAYBRIDGE_NATS_URL": "nats://127.0.0.1:1"})  # never connected here
    runtime = build_relay(settings, relay, migrated_database_url)
    assert runtime.hold_sweeper is not None and runtime.hold_sweep_interval_seconds == 0.05
    await runtime.database.open()
    stopping = asyncio.Event()
    sweeping = asyncio.create_task(runtime.hold_sweeper.run(stopping, runtime.hold_sweep_interval_seconds))
    try:
        for _ in range(100):
            if await statuses(migrated_database_url, ids) == {HoldStatus.EXPIRED}:
                break
            await asyncio.sleep(0.05)
    finally:
        stopping.set()
        await sweeping
        await runtime.database.close()
    assert await statuses(migrated_database_url, ids) == {HoldStatus.EXPIRED}


async def test_paybridge_holds_sweep(migrated_database_url: str) -> None:
    ids = await place_due_holds(migrated_database_url, 2)
    process = await asyncio.create_subprocess_exec(
        PAYBRIDGE,
        "holds",
        "sweep",
        "--database-url",
        migrated_database_url,
        env=server_env(None),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    words = out.decode().split()
    assert words[0] == "released" and words[2:] == ["expired", "holds"] and int(words[1]) >= 2
    assert await statuses(migrated_database_url, ids) == {HoldStatus.EXPIRED}
