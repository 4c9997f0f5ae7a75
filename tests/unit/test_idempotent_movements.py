"""IdempotentMovements re-runs a unit of work that collided with concurrent work (ConcurrencyConflict) a
bounded number of times, on the in-memory container with a ledger that fails on purpose.

Retries are observed through the metrics port (`storage_retry`): the container's `metrics` provider is
overridden with a recorder before anything that depends on it is built.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from dependency_injector import providers

from paybridge.adapters.memory.ledger import InMemoryLedger
from paybridge.application.ports.metrics import Metrics
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import IdempotencyRecord, PageRequest, PostingRefused
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.errors import ConcurrencyConflict, InsufficientFunds
from paybridge.domain.transactions import Posting
from paybridge.domain.users import Role
from paybridge.domain.wallets import Wallet
from tests.support.containers import make_container, outbox_events
from tests.support.kyc import verify_user

MAX_RETRIES = 3


@dataclass
class RecordingMetrics:
    retries: list[str] = field(default_factory=list)
    replays: list[str] = field(default_factory=list)
    completed: list[tuple[str, str, int]] = field(default_factory=list)
    rejected: list[tuple[str, str, str]] = field(default_factory=list)

    def transaction_completed(self, type_: str, currency: str, amount: int) -> None:
        self.completed.append((type_, currency, amount))

    def transaction_rejected(self, type_: str, currency: str, reason: str) -> None:
        self.rejected.append((type_, currency, reason))

    def idempotent_replay(self, operation: str) -> None:
        self.replays.append(operation)

    def storage_retry(self, reason: str) -> None:
        self.retries.append(reason)


def observed_container(max_retries: int) -> tuple[Container, RecordingMetrics]:
    built = make_container("memory", db_max_retries=max_retries)
    recorder = RecordingMetrics()
    _: Metrics = recorder  # the recorder satisfies the port
    built.metrics.override(providers.Object(recorder))
    return built, recorder


@pytest.fixture
async def observed() -> AsyncIterator[tuple[Container, RecordingMetrics]]:
    built, recorder = observed_container(MAX_RETRIES)
    await start(built)
    try:
        yield built, recorder
    finally:
        await stop(built)


@pytest.fixture
def container(observed: tuple[Container, RecordingMetrics]) -> Container:
    return observed[0]


@pytest.fixture
def metrics(observed: tuple[Container, RecordingMetrics]) -> RecordingMetrics:
    return observed[1]


@dataclass
class Setup:
    alice: Principal
    a: Wallet
    b: Wallet


@pytest.fixture
async def funded(container: Container) -> Setup:
    return await fund(container)


async def fund(container: Container) -> Setup:
    register = container.register_user()
    admin_user = await register(
        f"admin-{uuid.uuid4().hex[:8]}@example.com", "Admin", "pw-admin-1", Role.ADMIN
    )
    alice_user = await register(f"alice-{uuid.uuid4().hex[:8]}@example.com", "Alice", "pw-alice-1")
    bob_user = await register(f"bob-{uuid.uuid4().hex[:8]}@example.com", "Bob", "pw-bob-12")
    await verify_user(container, alice_user.id)  # alice sends money: KYC VERIFIED
    admin = Principal(admin_user.id, admin_user.role)
    alice = Principal(alice_user.id, alice_user.role)
    a = await container.open_wallet()(alice, "USD")
    b = await container.open_wallet()(Principal(bob_user.id, bob_user.role), "USD")
    await container.deposit_money()(admin, DepositCommand(a.id, 1_000, "USD"), "seed")
    return Setup(alice, a, b)


class FlakyLedger:
    """Replaces InMemoryLedger.post: raises a deadlock for the first `failures` calls, then delegates."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.original = InMemoryLedger.post

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        flaky = self

        async def post(
            self: InMemoryLedger, posting: Posting, idempotency: IdempotencyRecord | None
        ) -> PostingRefused | None:
            flaky.calls += 1
            if flaky.calls <= flaky.failures:
                raise ConcurrencyConflict("deadlock", reason="deadlock")
            return await flaky.original(self, posting, idempotency)

        monkeypatch.setattr(InMemoryLedger, "post", post)


async def balances(container: Container, setup: Setup) -> tuple[int, int]:
    a = await container.get_wallet()(setup.alice, setup.a.id)
    b = container.memory_database().state.wallets[setup.b.id]
    return a.balance, b.balance


async def test_transfer_succeeds_after_retries_and_moves_money_once(
    container: Container, metrics: RecordingMetrics, funded: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = FlakyLedger(failures=2)
    flaky.install(monkeypatch)
    transfer = container.transfer_money()

    result = await transfer(funded.alice, TransferCommand(funded.a.id, funded.b.id, 300, "USD"), "t-1")

    assert not result.replayed
    assert flaky.calls == 3
    assert metrics.retries == ["deadlock", "deadlock"]
    assert metrics.completed[-1] == ("TRANSFER", "USD", 300)
    assert [c for c in metrics.completed if c[0] == "TRANSFER"] == [("TRANSFER", "USD", 300)]
    assert await balances(container, funded) == (700, 300)
    transfers = await container.list_transactions()(funded.alice, PageRequest(limit=100))
    assert [t.id for t in transfers.items if t.source_wallet_id == funded.a.id] == [result.transaction.id]
    entries = await container.list_wallet_entries()(funded.alice, funded.a.id, PageRequest(limit=100))
    assert [e.amount for e in entries.items] == [-300, 1_000]
    emitted = [e for e in outbox_events(container) if e["event_type"] == "transfer.completed"]
    assert [e["aggregate_id"] for e in emitted] == [str(result.transaction.id)]

    # the key was stored exactly once, with the successful outcome
    again = await transfer(funded.alice, TransferCommand(funded.a.id, funded.b.id, 300, "USD"), "t-1")
    assert again.replayed and again.transaction == result.transaction
    assert flaky.calls == 3  # a replay does not post
    assert metrics.replays == ["transfer"]
    assert metrics.retries == ["deadlock", "deadlock"]
    assert await balances(container, funded) == (700, 300)


async def test_each_retry_is_logged(
    container: Container, funded: Setup, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyLedger(failures=2)
    flaky.install(monkeypatch)

    with caplog.at_level(logging.WARNING, logger="paybridge.application.idempotency"):
        result = await container.transfer_money()(
            funded.alice, TransferCommand(funded.a.id, funded.b.id, 250, "USD"), "t-2"
        )

    retries = [
        r for r in caplog.records if r.getMessage() == "retrying money movement after a storage conflict"
    ]
    assert [(getattr(r, "attempt", None), getattr(r, "reason", None)) for r in retries] == [
        (1, "deadlock"),
        (2, "deadlock"),
    ]
    assert flaky.calls == 3
    assert not result.replayed
    assert await balances(container, funded) == (750, 250)


async def test_conflict_propagates_after_the_last_attempt_and_nothing_changes(
    container: Container, metrics: RecordingMetrics, funded: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = FlakyLedger(failures=10**6)
    flaky.install(monkeypatch)
    transfer = container.transfer_money()
    events_before = outbox_events(container)
    completed_before = list(metrics.completed)

    with pytest.raises(ConcurrencyConflict) as raised:
        await transfer(funded.alice, TransferCommand(funded.a.id, funded.b.id, 300, "USD"), "t-3")

    assert raised.value.extra == {"reason": "deadlock"}
    assert not raised.value.replayed
    assert flaky.calls == MAX_RETRIES + 1
    assert metrics.retries == ["deadlock"] * MAX_RETRIES
    assert metrics.completed == completed_before
    assert await balances(container, funded) == (1_000, 0)
    listed = await container.list_transactions()(funded.alice, PageRequest(limit=100))
    assert [t.source_wallet_id for t in listed.items] == [None]  # only the seed deposit
    assert outbox_events(container) == events_before
    state = container.memory_database().state
    assert (funded.alice.user_id, "t-3") not in state.idempotency

    # nothing was stored under the key: once storage recovers, the same request runs as a fresh one
    flaky.failures = 0
    flaky.calls = 0
    result = await transfer(funded.alice, TransferCommand(funded.a.id, funded.b.id, 300, "USD"), "t-3")
    assert not result.replayed
    assert flaky.calls == 1
    assert metrics.retries == ["deadlock"] * MAX_RETRIES
    assert await balances(container, funded) == (700, 300)


async def test_no_retries_when_none_are_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    container, metrics = observed_container(max_retries=0)
    await start(container)
    try:
        funded = await fund(container)
        flaky = FlakyLedger(failures=1)
        flaky.install(monkeypatch)

        with pytest.raises(ConcurrencyConflict):
            await container.transfer_money()(
                funded.alice, TransferCommand(funded.a.id, funded.b.id, 1, "USD"), "t-4"
            )
        assert flaky.calls == 1
        assert metrics.retries == []
        assert await balances(container, funded) == (1_000, 0)
    finally:
        await stop(container)


async def test_a_constraint_refusal_of_the_express_step_is_retried_not_reported(
    container: Container, metrics: RecordingMetrics, funded: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CHECK constraint refusing what the statement's own checks passed under lock is a race, not the
    client's error: the attempt is re-run and nothing is stored for the key in between."""
    calls: list[int] = []
    original = InMemoryLedger.post

    async def refused_once(
        self: InMemoryLedger, posting: Posting, idempotency: IdempotencyRecord | None
    ) -> PostingRefused | None:
        calls.append(1)
        if len(calls) == 1:
            raise InsufficientFunds("the change would break wallets_balance_non_negative")
        return await original(self, posting, idempotency)

    monkeypatch.setattr(InMemoryLedger, "post", refused_once)
    assert container.settings().express_postings

    result = await container.transfer_money()(
        funded.alice, TransferCommand(funded.a.id, funded.b.id, 100, "USD"), "t-race"
    )

    assert not result.replayed and len(calls) == 2
    assert metrics.retries == ["constraint"]
    assert not metrics.rejected
    assert await balances(container, funded) == (900, 100)
