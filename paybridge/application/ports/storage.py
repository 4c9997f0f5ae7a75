"""Storage ports. Everything a use case reads or writes goes through one `UnitOfWork`, which is one database
transaction: it rolls back unless `commit()` was called, also when the block exits cleanly.

Units: amounts and balances are integers in minor units of the wallet's currency. Errors: adapters raise
only `paybridge.domain.errors` types — `ConcurrencyConflict` for deadlocks/serialization failures (the
caller may retry the whole unit of work), `StorageUnavailable` when the database cannot be reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar
from uuid import UUID

from paybridge.application.ports.exchange import ExchangeRateStore, QuoteRepository
from paybridge.domain.events import DomainEvent
from paybridge.domain.holds import Hold, HoldStatus
from paybridge.domain.refusals import RefusedConditions, WalletState
from paybridge.domain.transactions import LedgerEntry, Posting, Transaction, TransactionType
from paybridge.domain.users import User
from paybridge.domain.wallets import Wallet

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Keyset pagination, newest first: `after` is the position of the last item already seen."""

    limit: int = 20
    after: int | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_position: int | None = None

    @property
    def has_more(self) -> bool:
        return self.next_position is not None


@dataclass(frozen=True, slots=True)
class TransactionQuery:
    wallet_ids: Sequence[UUID] | None = None
    """Only transactions touching one of these wallets; None means every transaction (admin view)."""
    type: TransactionType | None = None


@dataclass(frozen=True, slots=True)
class HoldQuery:
    wallet_ids: Sequence[UUID] | None = None
    """Only holds placed on (`wallet_id`) or to (`destination_wallet_id`) one of these wallets; None means
    every hold (admin view)."""
    status: HoldStatus | None = None
    """Only holds of this status, as stored (a due hold nobody has released yet is still PENDING)."""


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    principal_id: UUID
    key: str
    fingerprint: str
    outcome: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    transaction_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class IdempotencyLookup:
    """What `begin` found: `locked` is False while another unit of work holds the key; `record` is the
    stored outcome of an earlier request with this key (None for a fresh key)."""

    locked: bool
    record: IdempotencyRecord | None = None


@dataclass(frozen=True, slots=True)
class PostingRefused:
    """Storage re-checked the posting under lock and refused it; nothing was written."""

    states: dict[UUID, WalletState] = field(default_factory=dict)
    conditions: RefusedConditions = field(default_factory=RefusedConditions)


@dataclass(frozen=True, slots=True)
class Presumption:
    """What a posting planned from the request alone (without reading its wallets) takes for granted:
    `owner` owns `wallet_id`, which has no PENDING hold due at the posting's time, and every wallet of the
    posting is a user wallet but `system_wallet_id` (a withdrawal's settlement account), if given. Storage
    checks it under the lock with the posting's own rules."""

    owner: UUID
    wallet_id: UUID
    system_wallet_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class ExpressOutcome:
    """What `ExpressLedger.post` did. `busy`: another request holds the key. `stored`: the key's stored
    outcome (possibly expired); nothing was written. `posted`: the posting and its record were committed.
    All false: refused (a rule or the presumption failed) — nothing was written, the caller finds out why."""

    busy: bool = False
    stored: IdempotencyRecord | None = None
    posted: bool = False


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises EmailAlreadyRegistered when the email is taken (compared case-insensitively)."""

    async def get(self, user_id: UUID) -> User | None: ...

    async def find_by_email(self, email: str) -> User | None:
        """Case-insensitive lookup."""

    async def lock(self, user_id: UUID) -> User | None:
        """The user, its row locked until the unit of work ends (SELECT ... FOR UPDATE)."""

    async def save_kyc(self, user: User) -> None:
        """Stores the user's KYC status and updated_at."""


class WalletRepository(Protocol):
    async def add(self, wallet: Wallet) -> None:
        """Raises WalletAlreadyExists when the user already has a wallet in that currency."""

    async def get(self, wallet_id: UUID) -> Wallet | None:
        """Any wallet, user or system account."""

    async def get_many(self, wallet_ids: Sequence[UUID]) -> dict[UUID, Wallet]: ...

    async def list_owned(self, owner_id: UUID | None, page: PageRequest) -> Page[Wallet]:
        """User wallets, newest first; `owner_id` None lists every user's wallets (admin view)."""

    async def ids_owned_by(self, user_id: UUID) -> list[UUID]: ...

    async def ensure_system_account(self, account: Wallet) -> None:
        """Creates the system account if it does not exist yet; idempotent."""

    async def lock(self, wallet_id: UUID) -> Wallet | None:
        """The wallet, its row locked until the unit of work ends (SELECT ... FOR UPDATE)."""

    async def save_settings(self, wallet: Wallet) -> None:
        """Stores the wallet's status, its own limits, version and updated_at (never balances or usage)."""


class Ledger(Protocol):
    async def post(self, posting: Posting, idempotency: IdempotencyRecord | None) -> PostingRefused | None:
        """Atomically, with the wallets locked in a fixed (id) order: re-checks every rule of the posting
        (see `Posting`: wallets exist, ACTIVE unless the leg only releases held money, in the leg's currency,
        user wallets keep available = balance - held >= 0, outgoing limits; the actor's KYC, the settled hold
        still PENDING, the reversal within the original, the quote unused and unexpired), applies the balance,
        held and usage changes, writes or finishes the transaction, one ledger entry per leg that moves money
        (with its balance_after), the hold, the original's reversed_amount, the quote's use, the posting's
        events to the outbox and the idempotency record. Returns None when written, PostingRefused (with the
        locked wallets' states and the other conditions) when a check failed — then nothing was written."""

    async def get_transaction(self, transaction_id: UUID, lock: bool = False) -> Transaction | None:
        """With `lock`, the transaction's row stays locked until the unit of work ends (FOR UPDATE)."""

    async def balance_at(self, wallet_id: UUID, at: datetime) -> int:
        """The wallet's balance after its latest ledger entry at or before `at` (0 before the first)."""

    async def list_transactions(self, query: TransactionQuery, page: PageRequest) -> Page[Transaction]: ...

    async def list_entries(self, wallet_id: UUID, page: PageRequest) -> Page[LedgerEntry]:
        """The wallet's ledger entries, newest first; `amount` is signed (negative = debit)."""


class HoldRepository(Protocol):
    async def get(self, hold_id: UUID, lock: bool = False) -> Hold | None:
        """With `lock`, the hold's row stays locked until the unit of work ends (FOR UPDATE): take it before
        any wallet lock (the posting statement locks wallets), so lock order is always hold, then wallets."""

    async def lock_due(
        self, now: datetime, limit: int, wallet_ids: Sequence[UUID] | None = None
    ) -> list[Hold]:
        """Up to `limit` PENDING holds expired at `now` (only those on `wallet_ids` when given), oldest expiry
        first, locked; holds another unit of work has locked are skipped (FOR UPDATE SKIP LOCKED)."""

    async def list_holds(self, query: HoldQuery, page: PageRequest) -> Page[Hold]:
        """The holds matching `query`, newest placed first, as stored (amounts in minor units of the hold's
        currency; nothing is released here). Keyset-paginated on the hold's position: the order in which
        holds were placed, unique, kept when a hold is settled. A page costs the same at any depth, and holds
        placed after the first page never shift the later ones."""


class IdempotencyStore(Protocol):
    async def begin(self, principal_id: UUID, key: str, now: datetime) -> IdempotencyLookup:
        """Takes the key for this unit of work without waiting (locked=False when another holds it) and
        returns its unexpired stored outcome, if any. An expired record is discarded."""

    async def save(self, record: IdempotencyRecord) -> None:
        """Stores the outcome; raises ConcurrencyConflict if a concurrent request stored one first."""

    async def purge_expired(self, now: datetime, batch_size: int) -> int:
        """Deletes up to `batch_size` expired records; returns how many."""


class Outbox(Protocol):
    async def add(self, events: Sequence[DomainEvent]) -> None:
        """Writes the events with the current correlation id, to be relayed after commit."""


class ExpressLedger(Protocol):
    async def post(
        self, posting: Posting, record: IdempotencyRecord, presumed: Presumption
    ) -> ExpressOutcome:
        """The whole idempotent movement as one atomic step — in PostgreSQL one statement in its own
        transaction, one round trip: takes `record`'s key without waiting, looks up its stored outcome and,
        only when the key is free and has none, applies `posting` exactly as `Ledger.post` would, with
        `presumed` checked as well, storing `record` with it; committed when it returns `posted`. Raises
        ConcurrencyConflict when a concurrent request stored the same key first (the caller re-runs), and
        StorageUnavailable as a unit of work does."""


class UnitOfWork(Protocol):
    """The repositories are read-only members, so adapters may expose their own (narrower) types."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def wallets(self) -> WalletRepository: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def idempotency(self) -> IdempotencyStore: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def holds(self) -> HoldRepository: ...
    @property
    def rates(self) -> ExchangeRateStore: ...
    @property
    def quotes(self) -> QuoteRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Rolls back unless commit() was called."""

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork:
        """A new, not yet entered unit of work."""
