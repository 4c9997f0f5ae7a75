"""In-memory ledger: applies postings with exactly the checks and effects of the PostgreSQL posting statement
(adapters/postgres/posting_sql.py); units of work are serialised, so there is nothing to lock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from paybridge.adapters.memory.repositories import InMemoryIdempotencyStore, InMemoryOutbox, page_of
from paybridge.adapters.memory.state import InMemoryState
from paybridge.application.ports.storage import (
    IdempotencyRecord,
    Page,
    PageRequest,
    PostingRefused,
    TransactionQuery,
)
from paybridge.domain.holds import HoldStatus
from paybridge.domain.limits import OutgoingUsage
from paybridge.domain.refusals import RefusedConditions, WalletState
from paybridge.domain.transactions import LedgerEntry, Leg, Posting, Transaction
from paybridge.domain.users import KycStatus
from paybridge.domain.wallets import Wallet, WalletStatus


def _state(wallet: Wallet) -> WalletState:
    return WalletState(
        wallet.status,
        wallet.balance,
        wallet.is_system,
        wallet.currency.code,
        wallet.held,
        wallet.limits,
        wallet.usage,
    )


def _usage_after(state: WalletState, leg: Leg) -> OutgoingUsage:
    return state.usage if leg.charge is None else state.usage.charged(leg.charge.amount, leg.charge.at)


def _leg_ok(state: WalletState | None, leg: Leg) -> bool:
    if state is None or state.currency != leg.currency.code:
        return False
    if state.status is not WalletStatus.ACTIVE and not leg.only_releases:
        return False
    if state.is_system:
        return True
    held = state.held + leg.held_delta
    if held < 0 or state.balance + leg.delta - held < 0:
        return False
    if leg.charge is None or leg.charge.amount <= 0:
        return True
    limits = state.limits.over(leg.charge.defaults)
    after = _usage_after(state, leg)
    return (limits.daily is None or after.day_amount <= limits.daily) and (
        limits.monthly is None or after.month_amount <= limits.monthly
    )


class InMemoryLedger:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def _conditions(self, posting: Posting, now: datetime) -> RefusedConditions:
        state = self._state
        actor = state.users.get(posting.verified_actor) if posting.verified_actor else None
        hold = posting.hold
        settles = hold is not None and not posting.new_transaction
        settled = state.holds.get(hold.id) if hold is not None and settles else None
        reversal = posting.reversal
        original = state.transactions.get(reversal.original_id) if reversal else None
        quote = state.quotes.get(posting.quote_id) if posting.quote_id else None
        return RefusedConditions(
            actor_verified=posting.verified_actor is None
            or (actor is not None and actor.kyc_status is KycStatus.VERIFIED),
            hold_pending=not settles or (settled is not None and settled.status is HoldStatus.PENDING),
            reversal_fits=reversal is None
            or (
                original is not None and original.reversed_amount + reversal.amount <= original.amount.amount
            ),
            quote_unused=posting.quote_id is None or (quote is not None and quote.transaction_id is None),
            quote_unexpired=posting.quote_id is None or (quote is not None and quote.expires_at > now),
        )

    async def post(self, posting: Posting, idempotency: IdempotencyRecord | None) -> PostingRefused | None:
        wallets, now, txn = self._state.wallets, posting.at, posting.transaction
        states = {
            leg.wallet_id: _state(w) for leg in posting.legs if (w := wallets.get(leg.wallet_id)) is not None
        }
        conditions = self._conditions(posting, now)
        if not all(
            (
                conditions.actor_verified,
                conditions.hold_pending,
                conditions.reversal_fits,
                conditions.quote_unused,
                conditions.quote_unexpired,
            )
        ) or not all(_leg_ok(states.get(leg.wallet_id), leg) for leg in posting.legs):
            return PostingRefused(states, conditions)
        for leg in sorted(posting.legs, key=lambda leg: (leg.delta, leg.wallet_id)):
            wallet = wallets[leg.wallet_id]
            changed = replace(
                wallet.with_delta(leg.delta, now, leg.held_delta), usage=_usage_after(states[wallet.id], leg)
            )
            wallets[leg.wallet_id] = changed
            if leg.delta:
                self._state.entries.append(
                    LedgerEntry(
                        self._state.next_position(),
                        txn.id,
                        wallet.id,
                        leg.delta,
                        leg.currency,
                        changed.balance,
                        now,
                    )
                )
        self._write_links(posting, now)
        InMemoryOutbox(self._state).append(posting.events)
        if idempotency is not None:
            InMemoryIdempotencyStore(self._state).store(idempotency)
        return None

    def _write_links(self, posting: Posting, now: datetime) -> None:
        state, txn = self._state, posting.transaction
        if posting.new_transaction:
            state.transactions[txn.id] = txn
            state.transaction_positions[txn.id] = state.next_position()
        else:
            stored = state.transactions[txn.id]
            state.transactions[txn.id] = replace(
                stored, status=txn.status, amount=txn.amount, completed_at=txn.completed_at
            )
        if posting.hold is not None:
            state.holds[posting.hold.id] = posting.hold
        if posting.reversal is not None:
            original = state.transactions[posting.reversal.original_id]
            state.transactions[original.id] = replace(
                original, reversed_amount=original.reversed_amount + posting.reversal.amount
            )
        if posting.quote_id is not None:
            state.quotes[posting.quote_id] = replace(state.quotes[posting.quote_id], transaction_id=txn.id)

    async def get_transaction(self, transaction_id: UUID, lock: bool = False) -> Transaction | None:
        return self._state.transactions.get(transaction_id)

    async def balance_at(self, wallet_id: UUID, at: datetime) -> int:
        entries = [e for e in self._state.entries if e.wallet_id == wallet_id and e.created_at <= at]
        latest = max(entries, key=lambda e: (e.created_at, e.id), default=None)
        return 0 if latest is None else latest.balance_after

    async def list_transactions(self, query: TransactionQuery, page: PageRequest) -> Page[Transaction]:
        wallet_ids = None if query.wallet_ids is None else set(query.wallet_ids)
        matching = [
            t
            for t in self._state.transactions.values()
            if (wallet_ids is None or t.touches(wallet_ids)) and (query.type is None or t.type is query.type)
        ]
        return page_of(matching, lambda t: self._state.transaction_positions[t.id], page)

    async def list_entries(self, wallet_id: UUID, page: PageRequest) -> Page[LedgerEntry]:
        entries = [e for e in self._state.entries if e.wallet_id == wallet_id]
        return page_of(entries, lambda e: e.id, page)
