"""`make bench`: the whole benchmark in one invocation (docs/performance.md).

    .venv/bin/python -m bench.run [--seconds 20] [--warmup 5] [--rounds 3] [--connections 8,16,64] ...
    .venv/bin/python -m bench.run --smoke      # what `make test` runs: every case, tiny and for 1 s

Finds PostgreSQL (bench/postgres.py), creates a fresh database, migrates, seeds the wallets, the ceiling B
tables and the scale histories, checks that ceiling A still sends the transfer's SQL, starts the servers
(`paybridge serve --workers N` with everything on, the same with metrics and logs off, the app under
uvicorn — each started when a case first needs it, and stopped when a pgbench case needs their connections),
then runs every case once per round, round after round, and writes results.json + results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import relay_case, report, targets
from bench.cases import Bench, Servers
from bench.ceiling_a import drift
from bench.ceiling_script import CEILING_B_SCHEMA
from bench.plan import build_cases, parse_args
from bench.postgres import Backends, describe, find_server, fresh_database
from bench.runner import OBSERVABILITY_OFF, REPO, require_wrk, server_env
from bench.scale import explain, seed_history
from bench.seed import index_wallets, seed
from bench.transfer_sql import capture_transfer


def machine(pg_url: str) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    ram = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    wrk = subprocess.run([require_wrk(), "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(ram, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": describe(pg_url),
        "wrk": wrk.split(" [")[0],
        "commit": commit.stdout.strip(),
        "load_before": os.getloadavg(),
    }


def prepare(url: str, args: Any) -> tuple[list[Any], Path]:
    wallets = seed(url, args.wallets, 10**15)
    index_wallets(url, wallets)
    name = url.rsplit("/", 1)[-1].split("?")[0]
    wallet_file = (
        Path(tempfile.gettempdir()) / f"{name}-wallets.txt"
    )  # one "wallet_id token" per line, for wrk
    wallet_file.write_text("".join(f"{w.wallet_id} {w.token}\n" for w in wallets))
    with psycopg.connect(url) as conn:
        conn.execute(CEILING_B_SCHEMA.read_text())
        conn.execute(
            "INSERT INTO ceiling_b.wallets (id, user_id, currency, status, balance)"
            " SELECT ceiling_b.wallet_id(g), gen_random_uuid(), 'USD', 'ACTIVE', 1000000000000000"
            " FROM generate_series(1, %s) AS g",
            (args.wallets,),
        )
        conn.execute("ANALYZE")
    return wallets, wallet_file


def check_ceiling_a(url: str) -> list[str]:
    statements = asyncio.run(capture_transfer(url))
    with psycopg.connect(url) as conn:
        return drift(statements, conn)


def _run(bench: Bench, cases: list[Any], rounds: int) -> list[dict[str, Any]]:
    results = []
    for number in range(1, rounds + 1):
        for case in cases:
            began = time.monotonic()
            try:
                result = case.run(bench, case)
            except Exception as error:  # one failed case must not lose the others' figures
                result = {"error": f"{type(error).__name__}: {error}"[:2000]}
            results.append({"key": case.key, "round": number, **result})
            shown = (
                result.get("error")
                or f"{result['rps']:.0f} req/s p99 {result['p99_ms']:.1f} ms errors {result['errors']}"
            )
            print(
                f"[round {number}/{rounds}] {case.key}: {shown} ({time.monotonic() - began:.0f} s)",
                flush=True,
            )
    return results


def stop_on_sigterm() -> None:
    """SIGTERM (and SIGINT, also when started in the background) unwinds like Ctrl-C: servers, relay and the
    bench database are cleaned up."""

    def unwind(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, unwind)
    signal.signal(signal.SIGINT, unwind)


def rerender(path: Path) -> int:
    """results.md again from a results.json (after the report code changed)."""
    saved = json.loads(path.read_text())
    args = argparse.Namespace(**{**vars(parse_args(["--no-uvicorn"])), **saved["meta"]["args"], "only": None})
    markdown = render(saved["meta"], build_cases(args), saved["results"])
    path.with_name("results.md").write_text(markdown)
    print(markdown)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        return rerender(Path(args.render))
    stop_on_sigterm()
    require_wrk()
    cases = build_cases(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = Path(args.output or REPO / ".paybridge" / "bench" / stamp)
    output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(find_server(dict(os.environ)))
        url = stack.enter_context(fresh_database(pg, keep=args.keep_database))
        meta = {
            "command": " ".join([Path(sys.executable).name, "-m", "bench.run", *(argv or sys.argv[1:])]),
            "started": stamp,
            "database": pg.origin,
            "machine": machine(pg.url),
            "args": {
                k: v for k, v in vars(args).items() if isinstance(v, int | float | str | list | bool | None)
            },
        }
        print(
            f"bench database {url.rsplit('/', 1)[-1]} on {pg.origin}; seeding {args.wallets} wallets",
            flush=True,
        )
        wallets, wallet_file = prepare(url, args)
        stack.callback(wallet_file.unlink, missing_ok=True)
        problems = check_ceiling_a(url)
        if problems:
            print("ceiling A has drifted from the transfer's SQL:\n" + "\n".join(problems), file=sys.stderr)
            print("regenerate it: .venv/bin/python -m bench.ceiling_a --write", file=sys.stderr)
            return 1
        histories = {}
        for rows in args.scale_rows if any(c.group == "scale" for c in cases) else []:
            print(f"seeding a history of {rows:,} transfers", flush=True)
            histories[rows] = seed_history(url, rows)
        env = server_env(DATABASE_URL=url)
        servers = Servers(
            {
                "hypercorn": (env, "hypercorn"),
                "quiet": ({**env, **OBSERVABILITY_OFF}, "hypercorn"),
                "uvicorn": (env, "uvicorn"),
                **{name: ({**env, **settings}, "hypercorn") for name, settings in args.variant},
            },
            args.workers,
        )
        stack.callback(servers.stop)
        nats_url = None if args.no_relay else stack.enter_context(relay_case.nats_server())
        backends = Backends(url) if pg.local else None
        if backends is not None:
            stack.callback(backends.close)
        bench = Bench(args, pg, url, wallets, wallet_file, servers, backends, nats_url, histories)
        results = _run(bench, cases, args.rounds)
        meta["plans"] = {
            f"{name} at {rows:,} rows": plan
            for rows, history in histories.items()
            for name, plan in explain(url, history).items()
        }
    meta["machine"]["load_after"] = os.getloadavg()
    meta["minutes"] = round((time.monotonic() - started) / 60, 1)
    (output / "results.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=1, default=str)
    )
    markdown = render(meta, cases, results)
    (output / "results.md").write_text(markdown)
    print(markdown)
    print(f"\nwrote {output / 'results.json'} and {output / 'results.md'}")
    return 1 if any("error" in result for result in results) else 0


def render(meta: dict[str, Any], cases: list[Any], results: list[dict[str, Any]]) -> str:
    m, pgs = meta["machine"], meta["machine"]["postgres"]
    load = lambda values: " / ".join(f"{v:.2f}" for v in values)  # noqa: E731
    lines = [
        f"Command: `{meta['command']}` ({meta['minutes']} min, {meta['started']}, commit {m['commit']})",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Linux {m['kernel']}, Python {m['python']},"
        f" PostgreSQL {pgs['version']} ({meta['database']}; shared_buffers {pgs['shared_buffers']},"
        f" synchronous_commit {pgs['synchronous_commit']}, fsync {pgs['fsync']}), {m['wrk']}.",
        f"Load average (1/5/15 min) before: {load(m['load_before'])}; after: {load(m['load_after'])}.",
        "",
        report.tables(cases, results, meta),
        *targets.table(report.by_key(results), meta["args"]),
    ]
    for name, plan in meta.get("plans", {}).items():
        lines += [f"#### EXPLAIN (ANALYZE, BUFFERS): {name}", "", "```", plan, "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
