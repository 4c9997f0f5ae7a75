"""PostgreSQL wallet repository (user wallets and system accounts share the `wallets` table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from paybridge.adapters.postgres.paging import MAX_POSITION, keyset_page
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.ports.storage import Page, PageRequest
from paybridge.domain.limits import Limits, OutgoingUsage
from paybridge.domain.money import Currency
from paybridge.domain.wallets import Wallet, WalletKind, WalletStatus

_COLUMNS = (
    "id, user_id, currency, status, balance, version, created_at, updated_at, kind, system_code, seq,"
    " held, daily_limit, monthly_limit, usage_day, usage_day_amount, usage_month, usage_month_amount"
)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


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
        held=int(row[11]),
        limits=Limits(_optional_int(row[12]), _optional_int(row[13])),
        usage=OutgoingUsage(row[14], int(row[15]), row[16], int(row[17])),
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

    async def lock(self, wallet_id: UUID) -> Wallet | None:
        row = await self._session.fetchone(
            "lock", "wallets", f"SELECT {_COLUMNS} FROM wallets WHERE id = %s FOR UPDATE", (wallet_id,)
        )
        return None if row is None else _wallet(row)

    async def save_settings(self, wallet: Wallet) -> None:
        await self._session.execute(
            "update",
            "wallets",
            "UPDATE wallets SET status = %s, daily_limit = %s, monthly_limit = %s, version = %s,"
            " updated_at = %s WHERE id = %s",
            (
                wallet.status.value,
                wallet.limits.daily,
                wallet.limits.monthly,
                wallet.version,
                wallet.updated_at,
                wallet.id,
            ),
        )

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
