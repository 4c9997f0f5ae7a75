"""PostgreSQL hold repository (the `holds` table; writes happen in the posting statement)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from paybridge.adapters.postgres.session import PostgresSession
from paybridge.domain.holds import Hold, HoldStatus
from paybridge.domain.money import Currency, Money

_COLUMNS = (
    "h.id, h.wallet_id, h.destination_wallet_id, h.amount, h.currency, h.status, h.captured_amount,"
    " h.expires_at, h.created_at, h.updated_at, t.initiated_by"
)


def _hold(row: tuple[Any, ...]) -> Hold:
    return Hold(
        id=row[0],
        wallet_id=row[1],
        destination_wallet_id=row[2],
        amount=Money(int(row[3]), Currency.of(row[4])),
        status=HoldStatus(row[5]),
        captured_amount=None if row[6] is None else int(row[6]),
        expires_at=row[7],
        created_at=row[8],
        updated_at=row[9],
        initiated_by=row[10],
    )


class PostgresHoldRepository:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def get(self, hold_id: UUID, lock: bool = False) -> Hold | None:
        if lock:
            row = await self._session.fetchone(
                "lock",
                "holds",
                f"SELECT {_COLUMNS} FROM holds h JOIN transactions t ON t.id = h.id WHERE h.id = %s"
                " FOR UPDATE OF h",
                (hold_id,),
            )
        else:
            row = await self._session.fetchone(
                "select",
                "holds",
                f"SELECT {_COLUMNS} FROM holds h JOIN transactions t ON t.id = h.id WHERE h.id = %s",
                (hold_id,),
            )
        return None if row is None else _hold(row)

    async def lock_due(
        self, now: datetime, limit: int, wallet_ids: Sequence[UUID] | None = None
    ) -> list[Hold]:
        if wallet_ids is None:
            rows = await self._session.fetchall(
                "lock",
                "holds",
                f"SELECT {_COLUMNS} FROM holds h JOIN transactions t ON t.id = h.id"
                " WHERE h.status = 'PENDING' AND h.expires_at <= %s"
                " ORDER BY h.expires_at LIMIT %s FOR UPDATE OF h SKIP LOCKED",
                (now, limit),
            )
        else:
            rows = await self._session.fetchall(
                "lock",
                "holds",
                f"SELECT {_COLUMNS} FROM holds h JOIN transactions t ON t.id = h.id"
                " WHERE h.wallet_id = ANY(%s) AND h.status = 'PENDING' AND h.expires_at <= %s"
                " ORDER BY h.expires_at LIMIT %s FOR UPDATE OF h SKIP LOCKED",
                (list(wallet_ids), now, limit),
            )
        return [_hold(row) for row in rows]
