"""Run the bank workload and its checker against a deployment of your own:

    python -m bench.bank_run --url https://paybridge.internal:8000 \\
        --database-url postgresql://auditor@db/paybridge --admin-email ops@example.com \\
        [--admin-password ... | $PAYBRIDGE_ADMIN_PASSWORD] [--operations 2000] [--clients 8] [--accounts 12] \\
        [--nats-url nats://... --stream PAYBRIDGE]

It registers `--accounts` users (one wallet each in `--currency`), has the administrator verify their KYC
(through the API when it offers the endpoint, else in the database) and fund them, runs `--operations`
random deposits, withdrawals and transfers with `--clients` careful clients (bench/bank.py), re-sends what
had no definitive answer, then checks everything (bench/bank_check.py; `paybridge audit` must be on PATH or
next to this interpreter). Do it while you inject the faults you care about. Prints the report as JSON; exit
status 1 when anything was lost, duplicated, answered wrongly or left unresolved. The stream check needs
`--nats-url`: only use it on a stream whose relay publishes this database's outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import asdict

from bench.bank import BankConfig, resolve, run_workload
from bench.bank_check import StreamTarget, check_bank
from bench.bank_setup import open_bank


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bank_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="base URL of `paybridge serve`")
    parser.add_argument("--database-url", required=True, help="the service's database (read by the checker)")
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-password", default=os.environ.get("PAYBRIDGE_ADMIN_PASSWORD"))
    parser.add_argument("--operations", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=12)
    parser.add_argument("--currency", default="USD")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nats-url", default=None)
    parser.add_argument("--stream", default="PAYBRIDGE")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    config = BankConfig(
        clients=args.clients,
        operations=args.operations,
        accounts=args.accounts,
        currency=args.currency,
        seed=args.seed,
    )
    bank = await open_bank(args.url, config, args.admin_email, args.database_url, args.admin_password)
    await run_workload(bank)
    await resolve(bank)
    stream = StreamTarget(args.nats_url, args.stream) if args.nats_url else None
    report = await check_bank(bank, args.database_url, dict(os.environ), stream)
    summary = {**asdict(report), "ok": report.ok, "client_errors": dict(bank.transient_errors())}
    print(json.dumps(summary, indent=2))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not args.admin_password:
        print("bench.bank_run: --admin-password or $PAYBRIDGE_ADMIN_PASSWORD is required", file=sys.stderr)
        return 2
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
