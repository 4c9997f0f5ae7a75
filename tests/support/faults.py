"""Fault scenarios for the bank workload (bench/bank.py): each runs the workload against a real `paybridge
serve` and `paybridge relay`, injects its fault (once, or `repeats` times at evenly spaced points of the
workload), lets the clients retry, then runs the checker and returns one row of the reliability table.

Faults (all on loopback, on processes and servers the scenario started itself):
- `api_sigkill`: SIGKILL of the API process, restarted 0.5 s later on the same port;
- `relay_sigkill`: SIGKILL of the relay, restarted 0.5 s later;
- `pg_terminate_backend`: every connection to the service's database terminated (the API's pool, the relay's);
- `postgres_restart`: a private PostgreSQL stopped with `pg_ctl -m fast` and started again 1 s later;
- `nats_restart`: a private nats-server stopped and started again 2 s later (same port and store).

Recovery is the time from the fault's end (restart issued, backends terminated) until the affected component
answers GET /ready with 200: the API for API and database faults, the relay for relay and NATS faults.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import psycopg

from bench.bank import Bank, BankConfig, resolve, run_workload
from bench.bank_check import CheckReport, check_bank
from bench.bank_check import StreamTarget as CheckedStream
from tests.support.chaos import ApiProcess, ReadinessProbe
from tests.support.nats import NatsServer
from tests.support.private_postgres import PrivatePostgres
from tests.support.relay import RunningRelay, StreamTarget, start_relay

RECOVERY_BOUND_SECONDS = 90.0  # "did not recover" after this long; the measured figure is what is reported


@dataclass(frozen=True)
class Scale:
    operations: int
    clients: int
    accounts: int
    repeats: int


SCALES = {
    "fast": Scale(operations=500, clients=6, accounts=10, repeats=1),
    "long": Scale(operations=6_000, clients=8, accounts=20, repeats=3),
}


def current_scale() -> tuple[str, Scale]:
    name = os.environ.get("PAYBRIDGE_CHAOS_SCALE", "fast")
    return name, SCALES[name]


@dataclass
class Rig:
    fault: str
    database_url: str
    env: dict[str, str]
    api: ApiProcess
    relay_env: dict[str, str]
    target: StreamTarget
    relay: RunningRelay | None = None
    postgres: PrivatePostgres | None = None
    nats: NatsServer | None = None
    retired_relays: list[RunningRelay] = field(default_factory=list)

    def relay_url(self) -> str:
        assert self.relay is not None
        return self.relay.health_url


@dataclass
class FaultRow:
    fault: str
    operations: int
    acknowledged: int
    refused: int
    lost: int
    duplicated: int
    wrong: int
    unresolved: int
    recoveries: list[float | None]
    unready: list[float]  # seconds readiness was seen failing, per injection (fault start to recovery)
    client_errors: Counter[str]
    stream_messages: int | None
    report: CheckReport

    @property
    def recovery(self) -> str:
        if any(r is None for r in self.recoveries):
            return f"not within {RECOVERY_BOUND_SECONDS:.0f} s"
        return f"{max(r or 0.0 for r in self.recoveries):.2f} s"


Fault = Callable[[Rig], Awaitable[tuple[float, str]]]


async def api_sigkill(rig: Rig) -> tuple[float, str]:
    await asyncio.to_thread(rig.api.kill, signal.SIGKILL)
    await asyncio.sleep(0.5)
    ended = time.monotonic()
    rig.api.start()
    return ended, "api"


async def relay_sigkill(rig: Rig) -> tuple[float, str]:
    assert rig.relay is not None
    await asyncio.to_thread(rig.relay.stop, signal.SIGKILL)
    rig.retired_relays.append(rig.relay)
    await asyncio.sleep(0.5)
    ended = time.monotonic()
    rig.relay = await asyncio.to_thread(start_relay, rig.relay_env)
    return ended, "relay"


def _terminate_backends(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


async def pg_terminate_backend(rig: Rig) -> tuple[float, str]:
    terminated = await asyncio.to_thread(_terminate_backends, rig.database_url)
    assert terminated > 0, "no backend of the service was connected"
    return time.monotonic(), "api"


async def postgres_restart(rig: Rig) -> tuple[float, str]:
    assert rig.postgres is not None
    await asyncio.to_thread(rig.postgres.stop, "fast")
    await asyncio.sleep(1.0)
    await asyncio.to_thread(rig.postgres.start)
    return time.monotonic(), "api"


async def nats_restart(rig: Rig) -> tuple[float, str]:
    assert rig.nats is not None
    await asyncio.to_thread(rig.nats.stop)
    await asyncio.sleep(2.0)
    await asyncio.to_thread(rig.nats.start)
    return time.monotonic(), "relay"


FAULTS: dict[str, Fault] = {
    "api_sigkill": api_sigkill,
    "relay_sigkill": relay_sigkill,
    "pg_terminate_backend": pg_terminate_backend,
    "postgres_restart": postgres_restart,
    "nats_restart": nats_restart,
}


async def run_fault(name: str, rig: Rig, bank: Bank, scale: Scale) -> FaultRow:
    """Runs the workload on `bank` with fault `name` injected `scale.repeats` times; checks the outcome."""
    probes = {"api": ReadinessProbe(lambda: rig.api.base_url), "relay": ReadinessProbe(rig.relay_url)}
    for probe in probes.values():
        probe.start()
    triggers = [asyncio.Event() for _ in range(scale.repeats)]
    thresholds = [scale.operations * (i + 1) // (scale.repeats + 1) for i in range(scale.repeats)]
    recoveries: list[float | None] = []
    unready: list[float] = []

    def progress(done: int) -> None:
        for trigger, threshold in zip(triggers, thresholds, strict=True):
            if done >= threshold:
                trigger.set()

    async def inject() -> None:
        for trigger in triggers:
            await trigger.wait()
            began = time.monotonic()
            ended, component = await FAULTS[name](rig)
            recovered = await probes[component].wait_ready_after(ended, RECOVERY_BOUND_SECONDS)
            recoveries.append(recovered)
            until = ended + (recovered or RECOVERY_BOUND_SECONDS)
            unready.append(probes[component].unready_seconds(began, until))

    try:
        async with asyncio.timeout(900):
            await asyncio.gather(run_workload(bank, progress, scale.operations), inject())
            await asyncio.to_thread(rig.api.wait_ready, RECOVERY_BOUND_SECONDS)
            await resolve(bank)
    finally:
        for probe in probes.values():
            await probe.stop()
    stream = CheckedStream(rig.target.nats_url, rig.target.stream)
    report = await check_bank(bank, rig.database_url, rig.env, stream)
    report.problems.extend(server_side(rig.api.log(), bank.wrong_answers()))
    return FaultRow(
        fault=name,
        operations=report.operations,
        acknowledged=report.acknowledged,
        refused=report.refused,
        lost=report.lost,
        duplicated=report.duplicated,
        wrong=report.wrong,
        unresolved=report.unresolved,
        recoveries=recoveries,
        unready=unready,
        client_errors=bank.transient_errors(),
        stream_messages=report.stream_messages,
        report=report,
    )


def server_side(log: str, wrong_answers: list[str]) -> list[str]:
    """The API's log lines (tracebacks included) of the requests that were answered wrongly."""
    found = []
    for request_id in {m for answer in wrong_answers for m in re.findall(r'"request_id":"(\w+)"', answer)}:
        lines = [line for line in log.splitlines() if request_id in line]
        found.append(f"server log of request {request_id}: " + "\n".join(lines)[:6000])
    return found


def bank_config(scale: Scale, seed: int) -> BankConfig:
    return BankConfig(clients=scale.clients, operations=scale.operations, accounts=scale.accounts, seed=seed)


RESULTS: list[FaultRow] = []  # every row of this session, for the table printed at its end


def format_table(rows: list[FaultRow]) -> str:
    header = (
        "| fault | operations | acknowledged | refused | lost | duplicated | wrong answers | recovery "
        "| not ready | stream messages | what clients saw (retried) |"
    )
    lines = [header, "|" + "---|" * 11]
    for row in rows:
        seen = ", ".join(f"{k} x{v}" for k, v in row.client_errors.most_common(4)) or "nothing"
        lines.append(
            f"| {row.fault} | {row.operations} | {row.acknowledged} | {row.refused} | {row.lost} "
            f"| {row.duplicated} | {row.wrong} | {row.recovery} | {sum(row.unready):.1f} s "
            f"| {row.stream_messages} | {seen} |"
        )
    return "\n".join(lines)
