"""The workload of bench/relay_latency.py: funded wallets and transfers through the real `TransferMoney` use
case on PostgreSQL, in this process — open loop at a fixed rate, or closed loop with N workers.

Two containers share the database, one with the outbox notifier (PAYBRIDGE_OUTBOX_NOTIFY=true) and one
without; `Workload.notify` picks which one the next transfers go through, so both are measured in one run."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand
from paybridge.bootstrap import Container, build_container, start, stop
from paybridge.config import Settings
from paybridge.domain.users import Role
from paybridge.domain.wallets import Wallet

SECRET = "relay-bench-secret-that-is-long-enough-0123456789"  # noqa: S105 - a throw-away database


def quantiles(values: Sequence[float]) -> dict[int, float]:
    """Percentile -> value (inclusive method), for 1..99."""
    if len(values) < 2:
        only = values[0] if values else 0.0
        return dict.fromkeys(range(1, 100), only)
    cuts = [0.0, *statistics.quantiles(values, n=100, method="inclusive")]
    return {p: cuts[p] for p in range(1, 100)}


@dataclass
class Workload:
    database_url: str
    containers: dict[bool, Container]  # by PAYBRIDGE_OUTBOX_NOTIFY
    owners: list[Principal]
    wallets: list[Wallet]
    rng: random.Random
    notify: bool = True

    @property
    def container(self) -> Container:
        return self.containers[self.notify]

    def notifications_sent(self) -> int:
        """NOTIFYs sent so far by the notifier of the container in use (0 when it is disabled)."""
        return self.container.database().outbox_notifier.notifications_sent

    async def transfer(self) -> str:
        source = self.rng.randrange(len(self.wallets))
        destination = (source + self.rng.randrange(1, len(self.wallets))) % len(self.wallets)
        command = TransferCommand(self.wallets[source].id, self.wallets[destination].id, 1, "USD")
        result = await self.container.transfer_money()(self.owners[source], command, str(uuid.uuid4()))
        return str(result.transaction.id)

    async def open_loop(self, rate: int, seconds: float) -> dict[str, float]:
        """Starts `rate` transfers per second for `seconds`; returns transaction id -> commit time (epoch)."""
        commits: dict[str, float] = {}

        async def one(at: float) -> None:
            await asyncio.sleep(max(at - time.monotonic(), 0.0))
            transaction_id = await self.transfer()
            commits[transaction_id] = time.time()

        start_at = time.monotonic()
        count = max(int(rate * seconds), 1)
        await asyncio.gather(*(one(start_at + i / rate) for i in range(count)))
        return commits

    async def closed_loop(self, transfers: int, concurrency: int) -> list[float]:
        """`transfers` transfers by `concurrency` workers back to back; returns each one's duration (s)."""
        durations: list[float] = []
        remaining = iter(range(transfers))

        async def worker() -> None:
            for _ in remaining:
                started = time.perf_counter()
                await self.transfer()
                durations.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return durations


@asynccontextmanager
async def open_workload(database_url: str, wallets: int = 20) -> AsyncIterator[Workload]:
    YoyoMigrator(database_url, Settings().migrations_dir).up()
    settings = Settings(
        env="test",
        database_url=database_url,
        jwt_secret=SECRET,
        argon2_time_cost=1,
        argon2_memory_cost_kib=1024,
        argon2_parallelism=1,
        db_pool_max_size=16,
        db_pool_timeout_seconds=60.0,
        metrics_enabled=False,
        kyc_required_for_outgoing=False,  # the bench's users are not KYC-verified
    )
    containers = {
        notify: build_container("postgres", replace(settings, outbox_notify=notify))
        for notify in (True, False)
    }
    for started in containers.values():
        await start(started)
    container = containers[True]
    try:
        admin_user = await container.register_user()(
            "bench-admin@example.com", "Admin", "a long password", Role.ADMIN
        )
        admin = Principal(admin_user.id, admin_user.role)
        owners: list[Principal] = []
        opened: list[Wallet] = []
        for i in range(wallets):
            user = await container.register_user()(f"bench-{i}@example.com", "Bench", "a long password")
            owner = Principal(user.id, user.role)
            wallet = await container.open_wallet()(owner, "USD")
            await container.deposit_money()(
                admin, DepositCommand(wallet.id, 10**12, "USD"), str(uuid.uuid4())
            )
            owners.append(owner)
            opened.append(wallet)
        yield Workload(database_url, containers, owners, opened, random.Random(7))
    finally:
        for started in containers.values():
            await stop(started)
