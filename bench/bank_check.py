"""The bank workload's checker: what the clients were told against what the database (and the stream) hold.

- `paybridge audit` passes (money conserved, balances = entries, one outbox event per transaction, ...);
- every acknowledged transaction exists, exactly once, and is the movement that was asked for (else: lost);
- no operation took effect twice: every transaction on the workload's wallets is the acknowledged one of
  exactly one operation, each key's idempotency record points at it (refusals at none), every wallet's
  balance is what the acknowledged operations add up to, and re-sending each operation with its key replays
  the same answer (else: duplicated);
- the outbox holds exactly one event per acknowledged transaction; with a relay, once the outbox is drained the
  stream holds exactly one message (`Nats-Msg-Id`) per outbox event, none missing, none extra.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import nats
import psycopg

from bench.bank import API, PATHS, Bank, Operation, http_client
from bench.bank_setup import PAYBRIDGE


@dataclass(frozen=True)
class StreamTarget:
    nats_url: str
    stream: str


@dataclass
class CheckReport:
    operations: int = 0
    acknowledged: int = 0
    refused: int = 0
    unresolved: int = 0
    wrong: int = 0
    lost: int = 0
    duplicated: int = 0
    transactions: int = 0
    stream_messages: int | None = None
    audit_ok: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.problems and self.lost == self.duplicated == self.unresolved == 0

    def fail(self, message: str) -> None:
        self.problems.append(message)


def run_audit(database_url: str, env: Mapping[str, str]) -> tuple[int, dict[str, Any] | None, str]:
    done = subprocess.run(
        [PAYBRIDGE, "audit", "--database-url", database_url],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, report, done.stderr


def _facts(database_url: str, bank: Bank) -> dict[str, Any]:
    wallets = bank.wallet_ids
    keys = [op.key for op in bank.operations]
    with psycopg.connect(database_url) as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        transactions = connection.execute(
            "SELECT id::text, type, amount, currency, source_wallet_id::text, destination_wallet_id::text,"
            " status FROM transactions WHERE source_wallet_id = ANY(%(w)s::uuid[])"
            " OR destination_wallet_id = ANY(%(w)s::uuid[])",
            {"w": wallets},
        ).fetchall()
        records = connection.execute(
            "SELECT key, transaction_id::text, outcome ? 'error' FROM idempotency_keys WHERE key = ANY(%s)",
            (keys,),
        ).fetchall()
        balances = connection.execute(
            "SELECT id::text, balance FROM wallets WHERE id = ANY(%s::uuid[])", (wallets,)
        ).fetchall()
        events = connection.execute(
            "SELECT aggregate_id, count(*) FROM outbox WHERE aggregate_type = 'transaction'"
            " AND aggregate_id = ANY(%s) GROUP BY aggregate_id",
            ([row[0] for row in transactions],),
        ).fetchall()
    return {
        "transactions": {row[0]: row[1:] for row in transactions},
        "records": Counter(row[0] for row in records),
        "record_of": {row[0]: (row[1], bool(row[2])) for row in records},
        "balances": {row[0]: int(row[1]) for row in balances},
        "events": {row[0]: int(row[1]) for row in events},
    }


def _expected_row(op: Operation) -> tuple[Any, ...]:
    from bench.bank import TYPES

    body = op.body
    return (TYPES[op.kind], body["amount"], body["currency"], op.source, op.destination, "COMPLETED")


def check_ledger(bank: Bank, database_url: str, report: CheckReport) -> None:
    facts = _facts(database_url, bank)
    stored: dict[str, tuple[Any, ...]] = facts["transactions"]
    report.transactions = len(stored)
    committed = [op for op in bank.operations if op.state == "committed"]
    claimed: Counter[str] = Counter(op.transaction_id for op in committed if op.transaction_id)
    for op in committed:
        row = stored.get(op.transaction_id or "")
        if row is None or tuple(row) != _expected_row(op):
            report.lost += 1
            report.fail(f"acknowledged {op.kind} {op.transaction_id} (key {op.key}): stored as {row}")
        record = facts["record_of"].get(op.key)
        if record is None or record[0] != op.transaction_id:
            report.fail(f"key {op.key}: idempotency record {record} does not name {op.transaction_id}")
    in_doubt = {op.key for op in bank.operations if op.state in ("unresolved", "wrong", "pending")}
    doubtful_ids = {facts["record_of"].get(key, (None,))[0] for key in in_doubt}
    extra = [tid for tid in stored if tid not in claimed and tid not in doubtful_ids]
    report.duplicated += len(extra) + sum(count - 1 for count in claimed.values() if count > 1)
    report.duplicated += sum(len(op.acknowledged) > 1 for op in bank.operations)
    for tid in extra[:10]:
        report.fail(f"transaction {tid} {stored[tid]} was not acknowledged to any operation")
    for op in bank.operations:
        if op.state == "refused" and facts["record_of"].get(op.key, (None, False)) != (None, True):
            report.fail(f"refused {op.kind} {op.key}: idempotency record {facts['record_of'].get(op.key)}")
    report.duplicated += sum(count - 1 for count in facts["records"].values() if count > 1)
    if not in_doubt:
        _check_balances(bank, facts["balances"], report)
    for op in committed:
        events = facts["events"].get(op.transaction_id or "", 0)
        if events != 1:
            report.fail(f"transaction {op.transaction_id} has {events} outbox events")


def _check_balances(bank: Bank, balances: dict[str, int], report: CheckReport) -> None:
    expected = dict.fromkeys(bank.wallet_ids, 0)
    for op in bank.operations:
        if op.state != "committed":
            continue
        amount = int(op.body["amount"])
        if op.source:
            expected[op.source] -= amount
        if op.destination:
            expected[op.destination] += amount
    for wallet, balance in expected.items():
        if balances.get(wallet) != balance:
            report.fail(
                f"wallet {wallet}: balance {balances.get(wallet)}, acknowledged operations say {balance}"
            )


async def check_replays(bank: Bank, report: CheckReport) -> None:
    """Re-sends every committed or refused operation with its key: the answer must be the stored one."""
    settled = [op for op in bank.operations if op.state in ("committed", "refused")]
    tokens = {a.user_id: a.token for a in [bank.admin, *bank.accounts]}
    async with http_client(bank.config) as http:
        semaphore = asyncio.Semaphore(bank.config.clients)

        async def replay(op: Operation) -> None:
            headers = {"Authorization": f"Bearer {tokens[op.actor]}", "Idempotency-Key": op.key}
            async with semaphore:
                answer = await http.post(
                    f"{bank.base_url}{API}/{PATHS[op.kind]}", json=op.body, headers=headers
                )
            replayed = answer.headers.get("idempotent-replayed") == "true"
            if op.state == "committed" and (answer.status_code != 201 or not replayed):
                report.duplicated += answer.status_code == 201
                report.fail(f"replay of {op.key}: {answer.status_code} replayed={replayed}")
            elif op.state == "committed" and answer.json()["id"] != op.transaction_id:
                report.duplicated += 1
                report.fail(f"replay of {op.key} answered {answer.json()['id']}, not {op.transaction_id}")
            elif op.state == "refused" and (answer.status_code != 422 or not replayed):
                report.fail(f"replay of refused {op.key}: {answer.status_code} replayed={replayed}")

        await asyncio.gather(*(replay(op) for op in settled))


def wait_for_drain(database_url: str, timeout: float) -> int:
    """Waits until every outbox event is published; returns how many are still pending."""
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(database_url) as connection:
            row = connection.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
        pending = int(row[0]) if row else 0
        if pending == 0 or time.monotonic() >= deadline:
            return pending
        time.sleep(0.2)


async def stream_message_ids(target: StreamTarget) -> list[str]:
    client = await nats.connect(target.nats_url)
    try:
        js = client.jetstream()
        info = await js.stream_info(target.stream)
        subjects = info.config.subjects or [">"]
        consumer = await js.pull_subscribe(subjects[0], stream=target.stream)
        ids: list[str] = []
        while len(ids) < info.state.messages:
            for message in await consumer.fetch(min(500, info.state.messages - len(ids)), timeout=10):
                await message.ack()  # unacknowledged, the consumer stops delivering at max_ack_pending
                ids.append((message.headers or {}).get("Nats-Msg-Id", ""))
        await consumer.unsubscribe()
        return ids
    finally:
        await client.close()


async def check_stream(
    database_url: str, target: StreamTarget, report: CheckReport, drain_seconds: float
) -> None:
    pending = await asyncio.to_thread(wait_for_drain, database_url, drain_seconds)
    if pending:
        report.fail(f"{pending} outbox events still unpublished after {drain_seconds}s")
    with psycopg.connect(database_url) as connection:
        outbox = {str(row[0]) for row in connection.execute("SELECT id FROM outbox").fetchall()}
    seen = Counter(await stream_message_ids(target))
    report.stream_messages = sum(seen.values())
    missing = outbox - set(seen)
    doubled = {msg_id: n for msg_id, n in seen.items() if n > 1}
    foreign = set(seen) - outbox
    if missing or doubled or foreign:
        report.fail(
            f"stream vs outbox: {len(missing)} events missing, {len(doubled)} published twice,"
            f" {len(foreign)} unknown (e.g. {sorted(missing)[:3]} {list(doubled)[:3]} {sorted(foreign)[:3]})"
        )


async def check_bank(
    bank: Bank,
    database_url: str,
    env: Mapping[str, str],
    stream: StreamTarget | None = None,
    drain_timeout: float = 120.0,
) -> CheckReport:
    states = bank.by_state()
    report = CheckReport(
        operations=len(bank.operations),
        acknowledged=states["committed"],
        refused=states["refused"],
        unresolved=states["unresolved"] + states["pending"],
        wrong=states["wrong"],
    )
    for wrong in bank.wrong_answers()[:10]:
        report.fail(f"wrong answer: {wrong}")
    code, audit, stderr = await asyncio.to_thread(run_audit, database_url, env)
    report.audit_ok = code == 0
    if code != 0:
        report.fail(f"paybridge audit exited {code}: {stderr.strip()} {json.dumps(audit)[:2000]}")
    check_ledger(bank, database_url, report)
    await check_replays(bank, report)
    if stream is not None:
        await check_stream(database_url, stream, report, drain_timeout)
    return report
