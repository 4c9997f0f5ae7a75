"""What metrics + JSON logging cost per request: the same endpoints against two servers on one database,
one with instrumentation on (Prometheus metrics, INFO access logs) and one with it off (metrics disabled,
WARNING level), measured in interleaved rounds (on, off, on, off, ...) in one invocation.

    .venv/bin/python -m bench.instrumentation [--seconds 10] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import statistics
import uuid
from typing import Any

import psycopg

from bench.runner import run_wrk, serve
from bench.seed import BENCH_SECRET, seed
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings

BASE_ENV = {
    "PAYBRIDGE_JWT_SECRET": BENCH_SECRET,
    "PAYBRIDGE_ENV": "development",
    "PAYBRIDGE_DB_POOL_MAX_SIZE": "4",
    # wrk sends thousands of requests per second from one address: no rate limits (docs/security.md)
    "PAYBRIDGE_RATE_LIMIT_PER_IP": "off",
    "PAYBRIDGE_RATE_LIMIT_PER_USER": "off",
    "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP": "off",
    "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT": "off",
}


def fresh_database(server_url: str) -> str:
    name = f"pb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    YoyoMigrator(url, Settings().migrations_dir).up()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wallets", type=int, default=1000)
    args = parser.parse_args()

    import os
    import tempfile

    url = fresh_database(args.server_url)
    wallets = seed(url, args.wallets, 10**15)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as wallet_file:
        wallet_file.write("".join(f"{w.wallet_id} {w.token}\n" for w in wallets))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBRIDGE_")}
    env.update(BASE_ENV, DATABASE_URL=url)
    on_env = {**env, "PAYBRIDGE_METRICS_ENABLED": "true", "PAYBRIDGE_LOG_LEVEL": "INFO"}
    off_env = {**env, "PAYBRIDGE_METRICS_ENABLED": "false", "PAYBRIDGE_LOG_LEVEL": "WARNING"}
    results: dict[str, list[dict[str, Any]]] = {}
    scenarios = {
        "transfer": ("transfer.lua", [wallet_file.name]),
        "get_wallet": ("get.lua", [f"/api/v1/wallets/{wallets[0].wallet_id}", wallets[0].token]),
    }
    with serve(on_env) as on, serve(off_env) as off:
        for _ in range(args.rounds):
            for name, (script, script_args) in scenarios.items():
                for label, server in (("on", on), ("off", off)):
                    summary = run_wrk(server.url, script, script_args, args.connections, args.seconds)
                    results.setdefault(f"{name}/{label}", []).append(summary)
    print(
        f"instrumentation cost, {args.rounds} interleaved rounds of {args.seconds:g}s, c={args.connections}"
    )
    print("| scenario | instrumentation | req/s median (min..max) | p99 ms median | non-2xx |")
    print("|---|---|---|---|---|")
    for key, runs in results.items():
        rps = [r["rps"] for r in runs]
        print(
            f"| {key.split('/')[0]} | {key.split('/')[1]} | {statistics.median(rps):.0f} ({min(rps):.0f}..{max(rps):.0f})"
            f" | {statistics.median(r['p99_ms'] for r in runs):.1f} | {sum(r['errors_status'] for r in runs)} |"
        )
    for name in scenarios:
        on_rps = statistics.median(r["rps"] for r in results[f"{name}/on"])
        off_rps = statistics.median(r["rps"] for r in results[f"{name}/off"])
        print(
            f"{name}: on/off throughput ratio {on_rps / off_rps:.3f} (cost {100 * (1 - on_rps / off_rps):.1f} %)"
        )
    os.unlink(wallet_file.name)


if __name__ == "__main__":
    main()
