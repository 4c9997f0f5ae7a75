"""A debit waiting for a wallet row that another transaction credits and commits must see the credit: the
posting statement writes balances computed from the row it locked, never from its stale snapshot."""

from __future__ import annotations

import asyncio

import psycopg

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.application.use_cases.move_money import DepositCommand, WithdrawalCommand
from paybridge.application.use_cases.reversals import ReverseCommand
from paybridge.bootstrap import start, stop
from paybridge.config import Settings
from paybridge.domain.users import Role
from tests.support.containers import make_container
from tests.support.kyc import new_principal
from tests.support.postgres import DatabaseFactory


async def test_a_debit_queued_behind_a_credit_sees_the_credited_balance(
    new_database: DatabaseFactory,
) -> None:
    # Its own database: the raw credit below is not a ledger posting, so it must not disturb the shared
    # database's invariants that other tests check.
    migrated_database_url = new_database("pbrace")
    YoyoMigrator(migrated_database_url, Settings().migrations_dir).up()
    container = make_container("postgres", migrated_database_url)
    await start(container)
    try:
        admin = await new_principal(container, Role.ADMIN)
        owner = await new_principal(container)
        wallet = await container.open_wallet()(owner, "USD")
        deposit = await container.deposit_money()(admin, DepositCommand(wallet.id, 500, "USD"), "seed")
        await container.withdraw_money()(owner, WithdrawalCommand(wallet.id, 400, "USD"), "spend")
        with psycopg.connect(migrated_database_url) as credit:
            credit.execute("SELECT 1 FROM wallets WHERE id = %s FOR UPDATE", (wallet.id,))
            reversal = asyncio.create_task(
                container.reverse_transaction()(
                    admin, ReverseCommand(deposit.transaction.id, "chargeback", 200), "reverse"
                )
            )
            await asyncio.sleep(0.5)
            assert not reversal.done()  # queued behind the row lock, having seen a balance of 100
            credit.execute("UPDATE wallets SET balance = balance + 1000 WHERE id = %s", (wallet.id,))
            credit.commit()  # a credit committed while the reversal waits
            result = await reversal
        assert result.transaction.amount.amount == 200
        assert (await container.get_wallet()(owner, wallet.id)).balance == 100 + 1000 - 200
    finally:
        await stop(container)
