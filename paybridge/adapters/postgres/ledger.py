"""PostgreSQL ledger: posts money movements in one statement and reads transactions and entries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from paybridge.adapters.postgres.paging import MAX_POSITION, keyset_page
from paybridge.adapters.postgres.posting_sql import post_sql
from paybridge.adapters.postgres.raw_statements import RawStatement, raw
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.context import current_context
from paybridge.application.ports.storage import (
    IdempotencyRecord,
    Page,
    PageRequest,
    PostingRefused,
    TransactionQuery,
)
from paybridge.domain.limits import Limits, OutgoingUsage, periods
from paybridge.domain.money import Currency, Money
from paybridge.domain.refusals import RefusedConditions, WalletState
from paybridge.domain.transactions import (
    ExchangeDetails,
    LedgerEntry,
    Posting,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from paybridge.domain.wallets import WalletStatus

_TXN_COLUMNS = (
    "t.id, t.type, t.status, t.amount, t.currency, t.source_wallet_id, t.destination_wallet_id,"
    " t.initiated_by, t.reference, t.description, t.metadata, t.created_at, t.completed_at, t.seq,"
    " t.reversed_amount, t.original_transaction_id, t.counter_amount, t.counter_currency, t.exchange_rate"
)


# The list queries name the wallet as `= ANY(ARRAY[...])` and order by the whole index key: with a plain
# `wallet_id = $1` PostgreSQL treats the wallet as a constant, the primary key's order then satisfies the
# ORDER BY as well, and for a wallet it believes large it walks the primary key backwards, filtering away
# every newer row of other wallets (162-340 ms at 10^6 rows, docs/performance.md). This form leaves it only
# the (wallet, position) indexes, whatever the wallet's size and whether the plan is custom or generic; the
# transactions list picks its page of positions first and only then joins the rows (a `seq IN (...)` let the
# generic plan merge-join along the whole seq index).
ENTRIES_SQL: LiteralString = (
    "SELECT id, transaction_id, wallet_id, amount, currency, balance_after, created_at"
    " FROM ledger_entries WHERE wallet_id = ANY(ARRAY[%s]::uuid[]) AND id < %s"
    " ORDER BY wallet_id, id DESC LIMIT %s"
)
WALLET_TRANSACTIONS_SQL: LiteralString = f"""SELECT {_TXN_COLUMNS}
  FROM (SELECT DISTINCT s.seq
          FROM unnest(%(wallets)s::uuid[]) AS w(id)
         CROSS JOIN LATERAL (
               (SELECT seq FROM transactions
                 WHERE source_wallet_id = ANY(ARRAY[w.id]) AND seq < %(after)s
                   AND (%(type)s::text IS NULL OR type = %(type)s)
                 ORDER BY source_wallet_id, seq DESC LIMIT %(n)s)
               UNION ALL
               (SELECT seq FROM transactions
                 WHERE destination_wallet_id = ANY(ARRAY[w.id]) AND seq < %(after)s
                   AND (%(type)s::text IS NULL OR type = %(type)s)
                 ORDER BY destination_wallet_id, seq DESC LIMIT %(n)s)
         ) AS s
         ORDER BY s.seq DESC LIMIT %(n)s
       ) AS page
  JOIN transactions t ON t.seq = page.seq
 ORDER BY t.seq DESC"""


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
        reversed_amount=int(row[14]),
        original_transaction_id=row[15],
        exchange=None
        if row[16] is None
        else ExchangeDetails(Decimal(row[18]), Money(int(row[16]), Currency.of(row[17]))),
    )


def _entry(row: tuple[Any, ...]) -> LedgerEntry:
    return LedgerEntry(row[0], row[1], row[2], int(row[3]), Currency.of(row[4]), int(row[5]), row[6])


def _legs(posting: Posting) -> dict[str, list[Any]]:
    charges = [leg.charge for leg in posting.legs]
    charge_periods = [periods(charge.at) if charge else (None, None) for charge in charges]
    return {
        "wallet_ids": [leg.wallet_id for leg in posting.legs],
        "currencies": [leg.currency.code for leg in posting.legs],
        "deltas": [leg.delta for leg in posting.legs],
        "held_deltas": [leg.held_delta for leg in posting.legs],
        "charges": [charge.amount if charge else 0 for charge in charges],
        "charge_days": [day for day, _ in charge_periods],
        "charge_months": [month for _, month in charge_periods],
        "daily_defaults": [charge.defaults.daily if charge else None for charge in charges],
        "monthly_defaults": [charge.defaults.monthly if charge else None for charge in charges],
    }


def _links(posting: Posting) -> dict[str, Any]:
    hold, reversal, exchange = posting.hold, posting.reversal, posting.transaction.exchange
    placing = hold is not None and posting.new_transaction
    return {
        "verified_actor": posting.verified_actor,
        "settles_hold": hold.id if hold is not None and not placing else None,
        "hold_wallet_id": hold.wallet_id if hold else None,
        "hold_destination_wallet_id": hold.destination_wallet_id if hold else None,
        "hold_amount": hold.amount.amount if hold else None,
        "hold_status": hold.status.value if hold else None,
        "hold_captured_amount": hold.captured_amount if hold else None,
        "hold_expires_at": hold.expires_at if hold else None,
        "reversal_of": reversal.original_id if reversal else None,
        "reversal_amount": reversal.amount if reversal else 0,
        "quote_id": posting.quote_id,
        "counter_amount": exchange.destination_amount.amount if exchange else None,
        "counter_currency": exchange.destination_amount.currency.code if exchange else None,
        "exchange_rate": exchange.rate if exchange else None,
    }


def statement_for(posting: Posting, express: bool = False) -> RawStatement:
    """The variant of the posting statement with exactly the parts this posting needs."""
    hold = None if posting.hold is None else ("place" if posting.new_transaction else "settle")
    return raw(
        post_sql(
            kyc=posting.verified_actor is not None,
            new_transaction=posting.new_transaction,
            hold=hold,
            reversal=posting.reversal is not None,
            quote=posting.quote_id is not None,
            express=express,
        )
    )


def posting_params(posting: Posting, idempotency: IdempotencyRecord | None) -> dict[str, Any]:
    txn = posting.transaction
    events = posting.events
    return {
        **_legs(posting),
        **_links(posting),
        "currency": posting.currency.code,
        "now": posting.at,
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


def _optional_int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _optional_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def wallet_state(item: dict[str, Any]) -> WalletState:
    return WalletState(
        status=WalletStatus(item["status"]),
        balance=int(item["balance"]),
        is_system=item["kind"] == "SYSTEM",
        currency=item["currency"],
        held=int(item["held"]),
        limits=Limits(_optional_int(item["daily_limit"]), _optional_int(item["monthly_limit"])),
        usage=OutgoingUsage(
            _optional_date(item["usage_day"]),
            int(item["usage_day_amount"]),
            _optional_date(item["usage_month"]),
            int(item["usage_month_amount"]),
        ),
    )


class PostgresLedger:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def post(self, posting: Posting, idempotency: IdempotencyRecord | None) -> PostingRefused | None:
        row = await self._session.fetchone_raw(
            "post", "transactions", statement_for(posting), posting_params(posting, idempotency)
        )
        if row is None:
            raise RuntimeError("the posting statement returned no row")
        if row[0]:
            if posting.events:
                self._session.wrote_outbox = True
            return None
        states = {UUID(item["id"]): wallet_state(item) for item in row[6]}
        return PostingRefused(states, RefusedConditions(*row[1:6]))

    async def get_transaction(self, transaction_id: UUID, lock: bool = False) -> Transaction | None:
        if lock:
            row = await self._session.fetchone(
                "lock",
                "transactions",
                f"SELECT {_TXN_COLUMNS} FROM transactions t WHERE t.id = %s FOR UPDATE",
                (transaction_id,),
            )
        else:
            row = await self._session.fetchone(
                "select",
                "transactions",
                f"SELECT {_TXN_COLUMNS} FROM transactions t WHERE t.id = %s",
                (transaction_id,),
            )
        return None if row is None else _transaction(row)

    async def balance_at(self, wallet_id: UUID, at: datetime) -> int:
        row = await self._session.fetchone(
            "select",
            "ledger_entries",
            "SELECT balance_after FROM ledger_entries WHERE wallet_id = %s AND created_at <= %s"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (wallet_id, at),
        )
        return 0 if row is None else int(row[0])

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
                WALLET_TRANSACTIONS_SQL,
                {"wallets": list(query.wallet_ids), "after": after, "type": kind, "n": page.limit + 1},
            )
        return keyset_page(rows, page.limit, _transaction, position=lambda row: int(row[13]))

    async def list_entries(self, wallet_id: UUID, page: PageRequest) -> Page[LedgerEntry]:
        after = page.after if page.after is not None else MAX_POSITION
        rows = await self._session.fetchall(
            "select",
            "ledger_entries",
            ENTRIES_SQL,
            (wallet_id, after, page.limit + 1),
        )
        return keyset_page(rows, page.limit, _entry, position=lambda row: int(row[0]))
