"""In-memory repositories over one unit of work's working copy of `InMemoryState`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from paybridge.adapters.memory.state import InMemoryState, OutboxMessage
from paybridge.application.context import current_context
from paybridge.application.ports.storage import IdempotencyLookup, IdempotencyRecord, Page, PageRequest
from paybridge.domain.errors import ConcurrencyConflict, EmailAlreadyRegistered, WalletAlreadyExists
from paybridge.domain.events import DomainEvent
from paybridge.domain.users import User
from paybridge.domain.wallets import Wallet, WalletKind

T = TypeVar("T")


def page_of(items: list[T], position: Callable[[T], int], page: PageRequest) -> Page[T]:
    newest_first = sorted(
        (item for item in items if page.after is None or position(item) < page.after),
        key=position,
        reverse=True,
    )
    chosen = newest_first[: page.limit]
    more = len(newest_first) > page.limit
    return Page(chosen, position(chosen[-1]) if more else None)


class InMemoryUserRepository:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    async def add(self, user: User) -> None:
        if any(existing.email.lower() == user.email.lower() for existing in self._state.users.values()):
            raise EmailAlreadyRegistered()
        self._state.users[user.id] = user

    async def get(self, user_id: UUID) -> User | None:
        return self._state.users.get(user_id)

    async def find_by_email(self, email: str) -> User | None:
        return next((u for u in self._state.users.values() if u.email.lower() == email.lower()), None)

    async def lock(self, user_id: UUID) -> User | None:
        return self._state.users.get(user_id)  # units of work are serialised: nothing else can change it

    async def save_kyc(self, user: User) -> None:
        self._state.users[user.id] = user


class InMemoryWalletRepository:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    async def add(self, wallet: Wallet) -> None:
        if any(
            w.kind is WalletKind.USER and w.user_id == wallet.user_id and w.currency == wallet.currency
            for w in self._state.wallets.values()
        ):
            raise WalletAlreadyExists()
        self._state.wallets[wallet.id] = wallet
        self._state.wallet_positions[wallet.id] = self._state.next_position()

    async def get(self, wallet_id: UUID) -> Wallet | None:
        return self._state.wallets.get(wallet_id)

    async def get_many(self, wallet_ids: Sequence[UUID]) -> dict[UUID, Wallet]:
        return {i: self._state.wallets[i] for i in wallet_ids if i in self._state.wallets}

    async def list_owned(self, owner_id: UUID | None, page: PageRequest) -> Page[Wallet]:
        wallets = [
            w
            for w in self._state.wallets.values()
            if w.kind is WalletKind.USER and (owner_id is None or w.user_id == owner_id)
        ]
        return page_of(wallets, lambda w: self._state.wallet_positions[w.id], page)

    async def ids_owned_by(self, user_id: UUID) -> list[UUID]:
        return [w.id for w in self._state.wallets.values() if w.is_owned_by(user_id)]

    async def ensure_system_account(self, account: Wallet) -> None:
        if account.id not in self._state.wallets:
            self._state.wallets[account.id] = account
            self._state.wallet_positions[account.id] = self._state.next_position()

    async def lock(self, wallet_id: UUID) -> Wallet | None:
        return self._state.wallets.get(wallet_id)

    async def save_settings(self, wallet: Wallet) -> None:
        stored = self._state.wallets[wallet.id]
        self._state.wallets[wallet.id] = replace(
            stored,
            status=wallet.status,
            limits=wallet.limits,
            version=wallet.version,
            updated_at=wallet.updated_at,
        )


class InMemoryIdempotencyStore:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    async def begin(self, principal_id: UUID, key: str, now: datetime) -> IdempotencyLookup:
        record = self._state.idempotency.get((principal_id, key))
        if record is not None and record.expires_at <= now:
            del self._state.idempotency[(principal_id, key)]
            record = None
        return IdempotencyLookup(locked=True, record=record)

    async def save(self, record: IdempotencyRecord) -> None:
        self.store(record)

    def store(self, record: IdempotencyRecord) -> None:
        if (record.principal_id, record.key) in self._state.idempotency:
            raise ConcurrencyConflict("idempotency key stored concurrently", reason="idempotency_race")
        self._state.idempotency[(record.principal_id, record.key)] = record

    async def purge_expired(self, now: datetime, batch_size: int) -> int:
        expired = [k for k, r in self._state.idempotency.items() if r.expires_at <= now][:batch_size]
        for k in expired:
            del self._state.idempotency[k]
        return len(expired)


class InMemoryOutbox:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    async def add(self, events: Sequence[DomainEvent]) -> None:
        self.append(events)

    def append(self, events: Sequence[DomainEvent]) -> None:
        correlation_id = current_context().correlation_id
        for event in events:
            self._state.outbox.append(
                OutboxMessage(
                    event.id,
                    event.aggregate_type,
                    event.aggregate_id,
                    event.event_type,
                    event.payload(),
                    correlation_id,
                    event.occurred_at,
                )
            )
