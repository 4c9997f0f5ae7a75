"""Outbox relay latency: time from a transfer's COMMIT to the broker's ack of its event, p50/p99, and what
waking the relay costs the money path.

    .venv/bin/python bench/relay_latency.py [--server-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--nats-url nats://127.0.0.1:4222] [--seconds 10] [--rate 200] [--poll-interval 0.5]
        [--notify-cost-transfers 2000] [--cost-rounds 3] [--concurrency 8]

Creates a throw-away database on the server (dropped at the end) and a stream of its own (deleted at the
end), runs `paybridge relay` as a real process, and makes transfers through the real use case in this
process at `--rate` per second (open loop). The commit time is the wall clock when the use case returns
(just after COMMIT); the ack time is the JetStream message's stored timestamp (the server acks right after
storing), read back through a consumer — same host, same clock. Two wake-up modes are measured, through two
containers of this process on the same database: the outbox notifier on (PAYBRIDGE_OUTBOX_NOTIFY=true: a
coalesced NOTIFY after the commits) and off (the relay polls every `--poll-interval` seconds).

`--notify-cost-transfers N` also measures what the notifier costs the money path: `--cost-rounds` rounds of
N transfers each way, closed loop with `--concurrency` workers and no relay running, interleaved (on/off,
off/on, ...) after an uncounted warm-up, then the throughput and p50 of each mode over all its rounds.
Prints figures only; nothing here asserts timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import nats
import nats.js.errors
import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script (python bench/relay_latency.py): make `bench` importable
    sys.path.insert(0, str(REPO))

from bench.relay_workload import Workload, open_workload, quantiles  # noqa: E402

PAYBRIDGE = str(Path(sys.executable).with_name("paybridge"))


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    name = f"pb_relay_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def relay_process(database_url: str, nats_url: str, stream: str, prefix: str, poll: float) -> Iterator[None]:
    with tempfile.NamedTemporaryFile(prefix="relay-bench-", suffix=".log", delete=False) as handle:
        log = Path(handle.name)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBRIDGE_") and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url,
        PAYBRIDGE_ENV="test",
        PAYBRIDGE_NATS_URL=nats_url,
        PAYBRIDGE_NATS_STREAM=stream,
        PAYBRIDGE_NATS_SUBJECT_PREFIX=prefix,
        PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS=str(poll),
        PAYBRIDGE_LOG_LEVEL="WARNING",
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [PAYBRIDGE, "relay", "--health-bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=REPO,
            stdout=sink,
            stderr=sink,
        )
    try:
        deadline = time.monotonic() + 30
        while not _ready(f"http://127.0.0.1:{port}/ready"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the relay did not become ready:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        time.sleep(0.3)  # past its start-up batches
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.unlink(missing_ok=True)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def stored_times(nats_url: str, stream: str, prefix: str, expected: int) -> dict[str, float]:
    """aggregate_id -> the stream's stored timestamp (epoch seconds) of every transfer event."""
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        consumer = await js.pull_subscribe(f"{prefix}.transfer.completed", stream=stream)
        found: dict[str, float] = {}
        while len(found) < expected:
            for msg in await consumer.fetch(min(500, expected - len(found)), timeout=30):
                await msg.ack()
                found[json.loads(msg.data)["aggregate_id"]] = msg.metadata.timestamp.timestamp()
        return found
    finally:
        await client.close()


async def delete_stream(nats_url: str, stream: str) -> None:
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().delete_stream(stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


def _mode(notify: bool) -> str:
    return "notifier on " if notify else "notifier off"


async def measure_latency(workload: Workload, args: argparse.Namespace, notify: bool) -> None:
    token = uuid.uuid4().hex[:8]
    stream, prefix = f"RELAYBENCH_{token}", f"relaybench.{token}.events"
    poll = args.poll_interval
    workload.notify = notify
    try:
        with relay_process(workload.database_url, args.nats_url, stream, prefix, poll):
            sent_before = workload.notifications_sent()
            commits = await workload.open_loop(args.rate, args.seconds)
            notifies = workload.notifications_sent() - sent_before
            acks = await asyncio.wait_for(stored_times(args.nats_url, stream, prefix, len(commits)), 120)
    finally:
        await delete_stream(args.nats_url, stream)
    latencies = [max(acks[txn] - committed, 0.0) * 1000 for txn, committed in commits.items()]
    q = quantiles(latencies)
    how = f"{notifies} NOTIFYs, poll every {poll:g} s" if notify else f"poll only, every {poll:g} s"
    print(
        f"commit -> JetStream ack, {_mode(notify)} ({how}): n={len(latencies)} at {args.rate}/s"
        f"  p50={q[50]:.1f} ms  p90={q[90]:.1f} ms  p99={q[99]:.1f} ms  max={max(latencies):.1f} ms"
    )


@dataclass
class CostRun:
    durations: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    notifies: int = 0


async def measure_notify_cost(workload: Workload, args: argparse.Namespace) -> None:
    """Closed-loop transfers (no relay running) through the container with the notifier and the one without,
    in interleaved rounds — on/off, then off/on, ... — after an uncounted warm-up, so drift hits both alike."""
    n, concurrency = args.notify_cost_transfers, args.concurrency
    for notify in (True, False):
        workload.notify = notify
        await workload.closed_loop(max(n // 4, concurrency), concurrency)  # warm-up, not counted
    runs = {True: CostRun(), False: CostRun()}
    for index in range(args.cost_rounds):
        for notify in (True, False) if index % 2 == 0 else (False, True):
            workload.notify = notify
            sent_before = workload.notifications_sent()
            started = time.perf_counter()
            durations = await workload.closed_loop(n, concurrency)
            elapsed = time.perf_counter() - started
            notifies = workload.notifications_sent() - sent_before
            run = runs[notify]
            run.durations += durations
            run.elapsed += elapsed
            run.notifies += notifies
            q = quantiles([d * 1000 for d in durations])
            print(
                f"transfer latency, {_mode(notify)}, round {index + 1}: n={len(durations)} x{concurrency}"
                f" concurrent  p50={q[50]:.2f} ms  p99={q[99]:.2f} ms"
                f"  mean={statistics.fmean(durations) * 1000:.2f} ms  {len(durations) / elapsed:.0f} transfers/s"
                f"  NOTIFYs={notifies}"
            )
    on, off = runs[True], runs[False]
    rate_on, rate_off = len(on.durations) / on.elapsed, len(off.durations) / off.elapsed
    p50_on = quantiles(on.durations)[50] * 1000
    p50_off = quantiles(off.durations)[50] * 1000
    print(
        f"notifier cost over {args.cost_rounds} rounds each: {rate_on:.0f} vs {rate_off:.0f} transfers/s"
        f" ({(rate_on / rate_off - 1) * 100:+.1f} %), p50 {p50_on:.2f} vs {p50_off:.2f} ms;"
        f" {on.notifies} NOTIFYs for {len(on.durations)} commits"
    )


async def main(args: argparse.Namespace) -> None:
    with throwaway_database(args.server_url) as database_url:
        async with open_workload(database_url, wallets=args.wallets) as workload:
            for notify in (True, False):
                await measure_latency(workload, args, notify)
            if args.notify_cost_transfers:
                await measure_notify_cost(workload, args)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--nats-url", default=os.environ.get("PAYBRIDGE_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each latency run")
    parser.add_argument("--rate", type=int, default=200, help="transfers per second (open loop)")
    parser.add_argument("--poll-interval", type=float, default=0.5, help="the relay's poll interval")
    parser.add_argument("--wallets", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8, help="workers of the notify-cost runs")
    parser.add_argument(
        "--notify-cost-transfers", type=int, default=2000, help="transfers per cost round; 0 skips them"
    )
    parser.add_argument(
        "--cost-rounds", type=int, default=3, help="cost rounds with the notifier on, and off"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
