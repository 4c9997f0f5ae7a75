"""PostgreSQL ledger: posts money movements in one statement and reads transactions and entries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from paybridge.adapters.postgres.paging import MAX_POSITION, keyset_page
from paybridge.adapters.postgres.posting_sql import POST_SQL
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.context import current_context
from paybridge.application.ports.storage import (
    IdempotencyRecord,
    Page,
    PageRequest,
    PostingRefused,
    TransactionQuery,
)
from paybridge.domain.money import Currency, Money
from paybridge.domain.movements import WalletState
from paybridge.domain.transactions import (
    LedgerEntry,
    Posting,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from paybridge.domain.wallets import WalletStatus

_TXN_COLUMNS = (
    "t.id, t.type, t.status, t.amount, t.currency, t.source_wallet_id, t.destination_wallet_id,"
    " t.initiated_by, t.reference, t.description, t.metadata, t.created_at, t.completed_at, t.seq"
)


def _transaction(row: tuple[Any, ...]) -> Transaction:
    return Transaction(
        id=row[0],
        type=TransactionType(row[1]),
        status=TransactionStatus(row[2]),
        amount=Money(int(row[3]), Currency.of(row[4])),
        source_wallet_id=row[5],
        destination_wallet_id=row[6],
        initiated_by=row[7],
        reference=row[8],
        description=row[9],
        metadata=row[10],
        created_at=row[11],
        completed_at=row[12],
    )


def _entry(row: tuple[Any, ...]) -> LedgerEntry:
    return LedgerEntry(row[0], row[1], row[2], int(row[3]), Currency.of(row[4]), int(row[5]), row[6])


def posting_params(posting: Posting, idempotency: IdempotencyRecord | None) -> dict[str, Any]:
    txn = posting.transaction
    events = posting.events
    return {
        "wallet_ids": [leg.wallet_id for leg in posting.legs],
        "deltas": [leg.delta for leg in posting.legs],
        "currency": posting.currency.code,
        "now": txn.created_at,
        "id": txn.id,
        "type": txn.type.value,
        "status": txn.status.value,
        "amount": txn.amount.amount,
        "source_wallet_id": txn.source_wallet_id,
        "destination_wallet_id": txn.destination_wallet_id,
        "initiated_by": txn.initiated_by,
        "reference": txn.reference,
        "description": txn.description,
        "metadata": Jsonb(dict(txn.metadata)),
        "completed_at": txn.completed_at,
        "correlation_id": current_context().correlation_id,
        "event_ids": [event.id for event in events],
        "event_aggregate_types": [event.aggregate_type for event in events],
        "event_aggregate_ids": [event.aggregate_id for event in events],
        "event_types": [event.event_type for event in events],
        "event_payloads": [Jsonb(event.payload()) for event in events],
        "idem_principal_id": idempotency.principal_id if idempotency else None,
        "idem_key": idempotency.key if idempotency else None,
        "idem_fingerprint": idempotency.fingerprint if idempotency else None,
        "idem_outcome": Jsonb(idempotency.outcome) if idempotency else None,
        "idem_expires_at": idempotency.expires_at if idempotency else None,
    }


class PostgresLedger:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def post(self, posting: Posting, idempotency: IdempotencyRecord | None) -> PostingRefused | None:
        row = await self._session.fetchone(
            "post", "transactions", POST_SQL, posting_params(posting, idempotency)
        )
        if row is None:
            raise RuntimeError("the posting statement returned no row")
        if row[0]:
            return None
        states = {
            UUID(item["id"]): WalletState(
                status=WalletStatus(item["status"]),
                balance=int(item["balance"]),
                is_system=item["kind"] == "SYSTEM",
                currency=item["currency"],
            )
            for item in row[1]
        }
        return PostingRefused(states)

    async def get_transaction(self, transaction_id: UUID) -> Transaction | None:
        row = await self._session.fetchone(
            "select",
            "transactions",
            f"SELECT {_TXN_COLUMNS} FROM transactions t WHERE t.id = %s",
            (transaction_id,),
        )
        return None if row is None else _transaction(row)

    async def list_transactions(self, query: TransactionQuery, page: PageRequest) -> Page[Transaction]:
        after = page.after if page.after is not None else MAX_POSITION
        kind = query.type.value if query.type else None
        if query.wallet_ids is None:
            rows = await self._session.fetchall(
                "select",
                "transactions",
                f"SELECT {_TXN_COLUMNS} FROM transactions t WHERE t.seq < %s"
                " AND (%s::text IS NULL OR t.type = %s) ORDER BY t.seq DESC LIMIT %s",
                (after, kind, kind, page.limit + 1),
            )
        else:
            rows = await self._session.fetchall(
                "select",
                "transactions",
                f"""SELECT {_TXN_COLUMNS} FROM transactions t
                     WHERE t.seq IN (
                        SELECT DISTINCT s.seq
                          FROM unnest(%(wallets)s::uuid[]) AS w(id)
                         CROSS JOIN LATERAL (
                               (SELECT seq FROM transactions
                                 WHERE source_wallet_id = w.id AND seq < %(after)s
                                   AND (%(type)s::text IS NULL OR type = %(type)s)
                                 ORDER BY seq DESC LIMIT %(n)s)
                               UNION ALL
                               (SELECT seq FROM transactions
                                 WHERE destination_wallet_id = w.id AND seq < %(after)s
                                   AND (%(type)s::text IS NULL OR type = %(type)s)
                                 ORDER BY seq DESC LIMIT %(n)s)
                         ) AS s
                     )
                     ORDER BY t.seq DESC LIMIT %(n)s""",
                {"wallets": list(query.wallet_ids), "after": after, "type": kind, "n": page.limit + 1},
            )
        return keyset_page(rows, page.limit, _transaction, position=lambda row: int(row[13]))

    async def list_entries(self, wallet_id: UUID, page: PageRequest) -> Page[LedgerEntry]:
        after = page.after if page.after is not None else MAX_POSITION
        rows = await self._session.fetchall(
            "select",
            "ledger_entries",
            "SELECT id, transaction_id, wallet_id, amount, currency, balance_after, created_at"
            " FROM ledger_entries WHERE wallet_id = %s AND id < %s ORDER BY id DESC LIMIT %s",
            (wallet_id, after, page.limit + 1),
        )
        return keyset_page(rows, page.limit, _entry, position=lambda row: int(row[0]))
