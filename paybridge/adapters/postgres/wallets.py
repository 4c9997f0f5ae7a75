"""PostgreSQL wallet repository (user wallets and system accounts share the `wallets` table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from paybridge.adapters.postgres.paging import MAX_POSITION, keyset_page
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.ports.storage import Page, PageRequest
from paybridge.domain.money import Currency
from paybridge.domain.wallets import Wallet, WalletKind, WalletStatus

_COLUMNS = "id, user_id, currency, status, balance, version, created_at, updated_at, kind, system_code, seq"


def _wallet(row: tuple[Any, ...]) -> Wallet:
    return Wallet(
        id=row[0],
        user_id=row[1],
        currency=Currency.of(row[2]),
        status=WalletStatus(row[3]),
        balance=int(row[4]),
        version=row[5],
        created_at=row[6],
        updated_at=row[7],
        kind=WalletKind(row[8]),
        system_code=row[9],
    )


class PostgresWalletRepository:
    def __init__(self, session: PostgresSession, known_system_accounts: set[Any]) -> None:
        self._session = session
        self._known_system_accounts = known_system_accounts

    async def add(self, wallet: Wallet) -> None:
        await self._session.execute(
            "insert",
            "wallets",
            "INSERT INTO wallets (id, kind, user_id, system_code, currency, status, balance, version,"
            " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                wallet.id,
                wallet.kind.value,
                wallet.user_id,
                wallet.system_code,
                wallet.currency.code,
                wallet.status.value,
                wallet.balance,
                wallet.version,
                wallet.created_at,
                wallet.updated_at,
            ),
        )

    async def get(self, wallet_id: UUID) -> Wallet | None:
        row = await self._session.fetchone(
            "select", "wallets", f"SELECT {_COLUMNS} FROM wallets WHERE id = %s", (wallet_id,)
        )
        return None if row is None else _wallet(row)

    async def get_many(self, wallet_ids: Sequence[UUID]) -> dict[UUID, Wallet]:
        rows = await self._session.fetchall(
            "select", "wallets", f"SELECT {_COLUMNS} FROM wallets WHERE id = ANY(%s)", (list(wallet_ids),)
        )
        return {row[0]: _wallet(row) for row in rows}

    async def list_owned(self, owner_id: UUID | None, page: PageRequest) -> Page[Wallet]:
        after = page.after if page.after is not None else MAX_POSITION
        if owner_id is None:
            rows = await self._session.fetchall(
                "select",
                "wallets",
                f"SELECT {_COLUMNS} FROM wallets WHERE kind = 'USER' AND seq < %s ORDER BY seq DESC LIMIT %s",
                (after, page.limit + 1),
            )
        else:
            rows = await self._session.fetchall(
                "select",
                "wallets",
                f"SELECT {_COLUMNS} FROM wallets WHERE kind = 'USER' AND user_id = %s AND seq < %s"
                " ORDER BY seq DESC LIMIT %s",
                (owner_id, after, page.limit + 1),
            )
        return keyset_page(rows, page.limit, _wallet, position=lambda row: int(row[10]))

    async def ids_owned_by(self, user_id: UUID) -> list[UUID]:
        rows = await self._session.fetchall(
            "select", "wallets", "SELECT id FROM wallets WHERE kind = 'USER' AND user_id = %s", (user_id,)
        )
        return [row[0] for row in rows]

    async def ensure_system_account(self, account: Wallet) -> None:
        if account.id in self._known_system_accounts:
            return
        inserted = await self._session.execute(
            "insert",
            "wallets",
            "INSERT INTO wallets (id, kind, system_code, currency, status, balance, version, created_at,"
            " updated_at) VALUES (%s, 'SYSTEM', %s, %s, 'ACTIVE', 0, 0, %s, %s) ON CONFLICT DO NOTHING",
            (account.id, account.system_code, account.currency.code, account.created_at, account.updated_at),
        )
        if inserted == 0:  # it already existed, committed: safe to remember beyond this transaction
            self._known_system_accounts.add(account.id)
