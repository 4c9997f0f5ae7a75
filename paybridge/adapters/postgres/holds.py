"""PostgreSQL hold repository (the `holds` table; writes happen in the posting statement)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID

from paybridge.adapters.postgres.paging import MAX_POSITION, keyset_page
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.ports.storage import HoldQuery, Page, PageRequest
from paybridge.domain.holds import Hold, HoldStatus
from paybridge.domain.money import Currency, Money

_COLUMNS = (
    "h.id, h.wallet_id, h.destination_wallet_id, h.amount, h.currency, h.status, h.captured_amount,"
    " h.expires_at, h.created_at, h.updated_at, t.initiated_by"
)

_STATUSES = [status.value for status in HoldStatus]

# The lists walk one index range per (wallet, status) — or per status for the admin view — reading at most
# `n` (limit + 1) positions of each, merge them and only then fetch the page's rows. The wallet is written
# `= ANY(ARRAY[...])` and every walk orders by its index's whole key, as the transaction lists do (ledger.py):
# with a plain equality PostgreSQL may treat the wallet as a constant and walk another index in position
# order instead, filtering away everything else it passes. The status is a plain equality: before
# PostgreSQL 17 an `= ANY` on a later index column is only a filter when the walk must stay ordered. Without
# a status filter the four statuses' walks are merged, so (wallet, status, seq) indexes serve the filtered and
# the whole list alike. The page's positions are handed over as an array (`= ANY(ARRAY(...))`, computed
# once): a join on them let the generic plan, which cannot know the page's size, hash the whole table.
WALLET_HOLDS_SQL: LiteralString = f"""SELECT {_COLUMNS}, h.seq
  FROM holds h
  JOIN transactions t ON t.id = h.id
 WHERE h.seq = ANY(ARRAY(
       SELECT DISTINCT s.seq
         FROM unnest(%(wallets)s::uuid[]) AS w(id)
        CROSS JOIN unnest(%(statuses)s::text[]) AS st(status)
        CROSS JOIN LATERAL (
              (SELECT seq FROM holds
                WHERE wallet_id = ANY(ARRAY[w.id]) AND status = st.status AND seq < %(after)s
                ORDER BY wallet_id, status, seq DESC LIMIT %(n)s)
              UNION ALL
              (SELECT seq FROM holds
                WHERE destination_wallet_id = ANY(ARRAY[w.id]) AND status = st.status AND seq < %(after)s
                ORDER BY destination_wallet_id, status, seq DESC LIMIT %(n)s)
        ) AS s
        ORDER BY s.seq DESC LIMIT %(n)s))
 ORDER BY h.seq DESC"""
ALL_HOLDS_SQL: LiteralString = f"""SELECT {_COLUMNS}, h.seq
  FROM holds h
  JOIN transactions t ON t.id = h.id
 WHERE h.seq = ANY(ARRAY(
       SELECT s.seq
         FROM unnest(%(statuses)s::text[]) AS st(status)
        CROSS JOIN LATERAL (
              SELECT seq FROM holds
               WHERE status = st.status AND seq < %(after)s
               ORDER BY status, seq DESC LIMIT %(n)s
        ) AS s
        ORDER BY s.seq DESC LIMIT %(n)s))
 ORDER BY h.seq DESC"""


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

    async def list_holds(self, query: HoldQuery, page: PageRequest) -> Page[Hold]:
        params: dict[str, Any] = {
            "statuses": _STATUSES if query.status is None else [query.status.value],
            "after": page.after if page.after is not None else MAX_POSITION,
            "n": page.limit + 1,
        }
        if query.wallet_ids is None:
            rows = await self._session.fetchall("select", "holds", ALL_HOLDS_SQL, params)
        else:
            params["wallets"] = list(query.wallet_ids)
            rows = await self._session.fetchall("select", "holds", WALLET_HOLDS_SQL, params)
        return keyset_page(rows, page.limit, _hold, position=lambda row: int(row[11]))
