"""Migrations under data: every migration applied, a realistic dataset written through the use cases (KYC-
verified users with USD and EUR wallets, deposits, transfers, withdrawals, refusals, published and pending
outbox events), then — on a copy of that database per version — a rollback to each earlier version and forward
again. Every table that exists at the earlier version keeps every row (in the columns it has there) both
after the rollback and after rolling forward; where the ledger survived the rollback the service still works
on the result and `paybridge audit` is clean, and the original database's audit is clean at the end.

A rollback that cannot keep the data must refuse as a whole: with holds written, rolling back the payment
flows migration fails and leaves schema and data exactly as they were."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from bench.bank_check import run_audit
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.bootstrap import start, stop
from paybridge.config import Settings
from paybridge.domain.errors import InsufficientFunds
from paybridge.domain.users import Role
from tests.support.containers import make_container
from tests.support.postgres import DatabaseFactory, url_for_database
from tests.support.server import server_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
LEDGER_TABLES = {"transactions", "ledger_entries", "idempotency_keys", "outbox"}
Snapshot = dict[str, tuple[list[str], list[tuple[Any, ...]]]]  # table -> (columns, sorted rows)


async def load_dataset(url: str, users: int = 6, rounds: int = 4, with_hold: bool = False) -> int:
    """Writes the dataset through the use cases; returns how many transactions it committed."""
    container = make_container("postgres", url)
    await start(container)
    try:
        register = container.register_user()
        tag = uuid.uuid4().hex[:8]
        admin_user = await register(f"data-admin-{tag}@example.com", "Admin", "a long password 1", Role.ADMIN)
        admin = Principal(admin_user.id, admin_user.role)
        people = []
        for n in range(users):
            user = await register(f"data-{tag}-{n}@example.com", f"Person {n}", "a long password 1")
            if n % 3 != 2:  # a third stay unverified: they can receive, not send
                await container.decide_kyc()(admin, user.id, "VERIFIED", None)
            people.append(Principal(user.id, user.role))
        committed = 0
        for currency in ("USD", "EUR"):
            wallets = [await container.open_wallet()(p, currency) for p in people]
            for wallet in wallets:
                await container.deposit_money()(
                    admin, DepositCommand(wallet.id, 50_000, currency), str(uuid.uuid4())
                )
                committed += 1
            for r in range(rounds):
                for n, (person, wallet) in enumerate(zip(people, wallets, strict=True)):
                    if n % 3 == 2:
                        continue
                    target = wallets[(n + r + 1) % len(wallets)]
                    await container.transfer_money()(
                        person, TransferCommand(wallet.id, target.id, 1_000 + r, currency), str(uuid.uuid4())
                    )
                    await container.withdraw_money()(
                        person, WithdrawalCommand(wallet.id, 300 + n, currency), str(uuid.uuid4())
                    )
                    committed += 2
            with pytest.raises(InsufficientFunds):  # a refusal, stored with its key
                command = WithdrawalCommand(wallets[0].id, 10**9, currency)
                await container.withdraw_money()(people[0], command, str(uuid.uuid4()))
            if with_hold:  # money reserved on the first wallet: a row the older schema has no room for
                hold = PlaceHoldCommand(wallets[0].id, 100, currency)
                await container.place_hold()(people[0], hold, str(uuid.uuid4()))
    finally:
        await stop(container)
    with psycopg.connect(url) as connection:  # as a relay would have: half the events published
        connection.execute(
            "UPDATE outbox SET published_at = now(), attempts = 1 WHERE seq % 2 = 0"
            " AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'outbox'"
            " AND column_name = 'attempts')"
        )
    return committed


def snapshot(url: str) -> Snapshot:
    """Every application table: (its columns, its rows sorted) — the migration bookkeeping excluded."""
    with psycopg.connect(url) as connection:
        columns: dict[str, list[str]] = {}
        for table, column in connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name NOT LIKE '%%yoyo%%' ORDER BY table_name, ordinal_position"
        ):
            columns.setdefault(str(table), []).append(str(column))
        return {table: (names, _rows(connection, table, names)) for table, names in columns.items()}


def _rows(connection: psycopg.Connection[Any], table: str, names: list[str]) -> list[tuple[Any, ...]]:
    query = sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(map(sql.Identifier, names)), sql.Identifier(table)
    )
    return sorted(connection.execute(query).fetchall(), key=repr)


def project(full: Snapshot, table: str, names: list[str]) -> list[Any]:
    all_names, rows = full[table]
    positions = [all_names.index(name) for name in names]
    return sorted((tuple(row[i] for i in positions) for row in rows), key=repr)


def assert_kept(original: Snapshot, now: Snapshot, where: str, survivors: Snapshot | None = None) -> None:
    """Every table of `survivors` (default `now`) holds in `now` the rows it held in `original`, in the
    columns the three have in common (a column a rollback dropped comes back with its default)."""
    for table, (names, _) in (survivors or now).items():
        if table in original and table in now:
            shared = [n for n in names if n in original[table][0] and n in now[table][0]]
            kept = project(now, table, shared)
            assert kept == project(original, table, shared), f"{where}: {table} lost or changed rows"


def clone(new_database: DatabaseFactory, source: str) -> str:
    url = new_database("pbmig")
    name, template = (urlsplit(u).path.lstrip("/") for u in (url, source))
    with psycopg.connect(url_for_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    return url


def test_rollback_to_every_version_and_forward_keeps_the_data(new_database: DatabaseFactory) -> None:
    url = new_database("pbmig")
    migrations = Settings().migrations_dir
    versions = YoyoMigrator(url, migrations).up()
    committed = asyncio.run(load_dataset(url))
    original = snapshot(url)
    assert len(original["transactions"][1]) == committed > 50
    for steps in range(1, len(versions) + 1):
        target = versions[-steps - 1] if steps < len(versions) else "none"
        copy = clone(new_database, url)
        migrator = YoyoMigrator(copy, migrations)
        assert migrator.down(steps) == list(reversed(versions[-steps:]))
        rolled_back = snapshot(copy)
        assert_kept(original, rolled_back, f"rolled back to {target}")
        assert migrator.up() == versions[-steps:]
        forward = snapshot(copy)
        assert_kept(rolled_back, forward, f"forward again from {target}")
        if set(rolled_back) >= LEDGER_TABLES:
            assert_kept(original, forward, f"forward again from {target}", rolled_back)
            more = asyncio.run(load_dataset(copy, users=3, rounds=1))
            assert more > 0
            code, report, stderr = run_audit(copy, server_env(None))
            assert code == 0, f"from {target}: {stderr} {report}"
    code, report, stderr = run_audit(url, server_env(None))
    assert code == 0, f"{stderr} {report}"


def test_a_rollback_that_cannot_keep_the_data_refuses_and_changes_nothing(
    new_database: DatabaseFactory,
) -> None:
    url = new_database("pbmig")
    migrator = YoyoMigrator(url, Settings().migrations_dir)
    versions = migrator.up()
    asyncio.run(load_dataset(url, users=3, rounds=1, with_hold=True))
    flows = next(version for version in versions if version.endswith("_payment_flows"))
    later = versions[versions.index(flows) + 1 :]
    if later:  # the migrations after it (e.g. a trigger) roll back with any data
        assert migrator.down(len(later)) == list(reversed(later))
    before = snapshot(url)
    with pytest.raises(Exception, match=r"check|constraint|violat"):
        migrator.down(1)  # the payment flows cannot drop HOLD transactions' columns without losing them
    assert migrator.version() == flows
    assert snapshot(url) == before
    assert run_audit(url, server_env(None))[0] == 0
