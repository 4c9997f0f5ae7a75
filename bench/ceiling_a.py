"""Ceiling A: the pgbench script that sends exactly what POST /api/v1/transfers sends, and its drift check.

The script (bench/sql/transfer_ceiling_a.sql) is *generated* from a transfer recorded in the running app
(bench/transfer_sql.py), never edited by hand:

    .venv/bin/python -m bench.ceiling_a --write     # regenerate after the money path's SQL changed
    .venv/bin/python -m bench.ceiling_a             # only check: exit 1 and show the drift

Each statement psycopg sent with parameters is PREPAREd once per pgbench client with psycopg's own text
($n placeholders) and parameter types, then EXECUTEd per transfer — as psycopg itself runs a statement it
has seen 5 times (its prepare threshold). Values the app computes per request (ids, key, timestamps, the
wallets) come from one statement ending in `\\gset`, before the transfer; every other value is the recorded
one. A transfer sent as one statement in autocommit is one EXECUTE (pgbench runs it as its own transaction,
as PostgreSQL does for psycopg); a transactional one is BEGIN, EXECUTEs, COMMIT.
pgbench runs it with `-M simple` (EXECUTE carries NULLs, which pgbench parameters cannot) and `-D n=<wallets
to pick from> -D prepared=0`; bench_wallets(n, id, user_id) maps a random n to a seeded wallet.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg.adapt import PyFormat, Transformer

from bench.ceiling_script import CEILING_A, parse_script
from bench.transfer_sql import POOL_CHECK, Sent, capture_transfer

# Per-transfer values, as SQL over a (source wallet), b (destination) and g (fresh values for this transfer).
VARYING: dict[str, str] = {
    "wallet_ids": "format('{%s,%s}', a.id, b.id)",
    "source_wallet_id": "a.id",
    "destination_wallet_id": "b.id",
    "verified_actor": "a.user_id",
    "initiated_by": "a.user_id",
    "idem_principal_id": "a.user_id",
    "id": "g.txn",
    "event_aggregate_ids": "format('{%s}', g.txn)",
    "event_ids": "format('{%s}', g.event)",
    "now": "g.now",
    "completed_at": "g.now",
    "idem_expires_at": "g.now + interval '1 day'",
    "idem_key": "g.key",
    "correlation_id": "replace(g.key, '-', '')",
    "lock_key": "hashtextextended(g.key, 0)",
    "idem_lock": "hashtextextended(g.key, 0)",
    "presumed_owner": "a.user_id",
    "presumed_wallet": "a.id",
}
# Time-ordered ids like the app's UUIDv7 (so index inserts are as local as the app's), plus a fresh key.
_FRESH = (
    "LATERAL (SELECT (lpad(to_hex(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')"
    " || substr(md5(random()::text), 1, 20))::uuid AS txn,"
    " (lpad(to_hex(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')"
    " || substr(md5(random()::text), 1, 20))::uuid AS event,"
    " gen_random_uuid()::text AS key, clock_timestamp() AS now) g"
)
NAMES = {
    "WITH idem AS": "pb_post",
    "pg_try_advisory_xact_lock": "pb_lock",
    "FROM wallets WHERE": "pb_wallets",
    "WITH legs AS": "pb_post",
}


def _statement_name(query: str, index: int) -> str:
    return next((name for marker, name in NAMES.items() if marker in query), f"pb_{index}")


def _variables(sent: Sent, named: dict[str, Any]) -> list[str | None]:
    """The variable standing for each parameter (None: the recorded value is used as a constant)."""
    if sent.names is not None:
        return [name if name in VARYING else None for name in sent.names]
    found: list[str | None] = []
    for value in sent.values:
        match = next((name for name, known in named.items() if known == value and name in VARYING), None)
        if match is None and isinstance(value, int) and "pg_try_advisory_xact_lock" in sent.query:
            match = "lock_key"
        found.append(match)
    return found


def literal(tx: Any, value: Any) -> str:
    if value is None:
        return "NULL"
    text = bytes(tx.get_dumper(value, PyFormat.TEXT).dump(value) or b"").decode()
    return "'" + text.replace("'", "''") + "'"


def type_names(conn: psycopg.Connection[Any], oids: tuple[int, ...]) -> list[str]:
    names = []
    for oid in oids:
        row = conn.execute("SELECT format_type(%s, NULL)", (oid,)).fetchone() if oid else None
        names.append(str(row[0]) if row else "unknown")
    return names


def render(statements: list[Sent], conn: psycopg.Connection[Any]) -> str:
    tx = Transformer(conn)
    with_params = [sent for sent in statements if sent.values]
    named = {n: v for sent in with_params if sent.names for n, v in zip(sent.names, sent.values, strict=True)}
    prepares, executes, used = [], [], []
    for index, sent in enumerate(with_params, start=1):
        name = _statement_name(sent.query, index)
        types = type_names(conn, sent.types)
        prepares.append(f"PREPARE {name}({', '.join(types)}) AS\n{sent.query.strip()};")
        args = []
        for variable, value in zip(_variables(sent, named), sent.values, strict=True):
            args.append(literal(tx, value) if variable is None else f":{variable}")
            if variable is not None and variable not in used:
                used.append(variable)
        executes.append(f"EXECUTE {name}({', '.join(args)});")
    generator = ",\n       ".join(f"quote_literal({VARYING[v]}) AS {v}" for v in used)
    body = [entry.text for entry in statements if entry.text != POOL_CHECK]
    transactional = body[0] == "BEGIN"  # else one statement in autocommit: its own transaction
    shape_ok = (
        body[-1] == "COMMIT" and len(body) == len(with_params) + 2
        if transactional
        else len(body) == len(with_params) == 1
    )
    if not shape_ok:
        raise RuntimeError(f"unexpected transfer shape: {[entry.text[:40] for entry in statements]}")
    begin, commit = (["BEGIN;"], ["COMMIT;"]) if transactional else ([], [])
    return "\n".join(
        [
            "-- Ceiling A: exactly the SQL of POST /api/v1/transfers. GENERATED by `python -m bench.ceiling_a --write`",
            "-- from a recorded transfer; tests/integration/bench/test_ceiling_a_drift.py fails when it drifts.",
            "-- Run: pgbench -n -M simple -D n=<wallets> -D prepared=0 -f this (see bench/ceiling_a.py).",
            "\\set s random(1, :n)",
            "\\set d 1 + (:s + random(0, :n - 2)) % :n",
            "\\if :prepared = 0",
            *prepares,
            "\\set prepared 1",
            "\\endif",
            "-- the bench's own statement (not the transfer's): this transfer's wallets and fresh values",
            f"SELECT {generator}\n  FROM bench_wallets a, bench_wallets b,\n       {_FRESH}\n WHERE a.n = :s AND b.n = :d \\gset",  # noqa: S608 - script text
            *begin,
            *executes,
            *commit,
            "",
        ]
    )


def drift(statements: list[Sent], conn: psycopg.Connection[Any], path: Path = CEILING_A) -> list[str]:
    """Where the script no longer sends what the app sent (empty when in step)."""
    expected = render(statements, conn)
    found = parse_script(path.read_text())
    wanted = parse_script(expected)
    problems = []
    if found.transfer != wanted.transfer:
        problems.append(f"transfer statements differ:\n  app:   {wanted.transfer}\n  bench: {found.transfer}")
    for name, prepared in wanted.prepared.items():
        if found.prepared.get(name) != prepared:
            problems.append(f"{name} differs:\n  app:   {prepared}\n  bench: {found.prepared.get(name)}")
    if set(found.prepared) != set(wanted.prepared):
        problems.append(f"prepared statements: app {sorted(wanted.prepared)}, bench {sorted(found.prepared)}")
    return problems


async def _capture(url: str) -> list[Sent]:
    return await capture_transfer(url)


def main(argv: list[str] | None = None) -> int:
    from bench.postgres import find_server, fresh_database

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="rewrite bench/sql/transfer_ceiling_a.sql")
    args = parser.parse_args(argv)
    with find_server(dict(os.environ)) as server, fresh_database(server) as url:
        statements = asyncio.run(_capture(url))
        with psycopg.connect(url) as conn:
            if args.write:
                CEILING_A.write_text(render(statements, conn))
                print(f"wrote {CEILING_A}")
                return 0
            problems = drift(statements, conn)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        "in step" if not problems else f"{len(problems)} difference(s): run with --write and review the diff"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
