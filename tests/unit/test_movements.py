"""The rules of moving money (paybridge.domain.movements) and balanced postings, without storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from paybridge.domain.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    InsufficientFunds,
    SameWallet,
    WalletNotActive,
    WalletNotFound,
)
from paybridge.domain.events import DepositCompleted, TransferCompleted, WithdrawalCompleted
from paybridge.domain.limits import OutgoingCharge
from paybridge.domain.money import Currency, Money
from paybridge.domain.movements import (
    MovementDetails,
    WalletState,
    explain_refusal,
    plan_deposit,
    plan_transfer,
    plan_withdrawal,
    presume_transfer,
)
from paybridge.domain.transactions import (
    Leg,
    Posting,
    Transaction,
    TransactionStatus,
    TransactionType,
    UnbalancedPosting,
)
from paybridge.domain.wallets import SETTLEMENT, Wallet, WalletStatus, open_wallet, system_account

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
USD = Currency.of("USD")
EUR = Currency.of("EUR")
ACTOR = uuid4()
NO_DETAILS = MovementDetails()


def wallet(balance: int = 0, currency: Currency = USD, status: WalletStatus = WalletStatus.ACTIVE) -> Wallet:
    return replace(open_wallet(uuid4(), currency, NOW), balance=balance, status=status)


def settlement(currency: Currency = USD) -> Wallet:
    return system_account(SETTLEMENT, currency, NOW)


def usd(amount: int) -> Money:
    return Money.positive(amount, USD)


def transaction(amount: int = 100) -> Transaction:
    return Transaction(
        id=uuid4(),
        type=TransactionType.TRANSFER,
        status=TransactionStatus.COMPLETED,
        amount=usd(amount),
        source_wallet_id=None,
        destination_wallet_id=None,
        initiated_by=ACTOR,
        reference=None,
        description=None,
        metadata={},
        created_at=NOW,
        completed_at=NOW,
    )


# --- Posting ------------------------------------------------------------------------------------------


def test_a_balanced_posting_is_accepted() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    posting = Posting(transaction(), (Leg(a, -100, USD), Leg(b, 60, USD), Leg(c, 40, USD)))
    assert posting.currency == USD
    assert posting.events == ()


@pytest.mark.parametrize(
    "deltas",
    [
        [],  # no legs at all
        [100],  # one leg cannot balance
        [-100, 99],
        [-100, 100, 1],
        [100, 100],
    ],
)
def test_unbalanced_postings_are_rejected(deltas: list[int]) -> None:
    legs = tuple(Leg(uuid4(), d, USD) for d in deltas)
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), legs)


def test_a_posting_naming_a_wallet_twice_is_rejected() -> None:
    a, b = uuid4(), uuid4()
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, -100, USD), Leg(a, 100, USD)))
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, -100, USD), Leg(b, 50, USD), Leg(a, 50, USD)))


def test_a_posting_with_zero_legs_is_rejected() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, 0, USD), Leg(b, 0, USD)))
    with pytest.raises(UnbalancedPosting):
        Posting(transaction(), (Leg(a, -100, USD), Leg(b, 100, USD), Leg(c, 0, USD)))


# --- plan_transfer ------------------------------------------------------------------------------------


def test_plan_transfer() -> None:
    source, destination = wallet(1_000), wallet(5)
    details = MovementDetails("ref-ignored", "rent", {"month": "march"})

    posting = plan_transfer(source, destination, usd(1_000), ACTOR, details, NOW)

    charge = OutgoingCharge(1_000, NOW)  # counted against the outgoing limits (none configured)
    assert posting.legs == (Leg(source.id, -1_000, USD, charge=charge), Leg(destination.id, 1_000, USD))
    assert posting.verified_actor == ACTOR  # KYC is required of the sender by default
    txn = posting.transaction
    assert txn.type is TransactionType.TRANSFER
    assert txn.status is TransactionStatus.COMPLETED
    assert txn.amount == usd(1_000)
    assert (txn.source_wallet_id, txn.destination_wallet_id) == (source.id, destination.id)
    assert txn.initiated_by == ACTOR
    assert txn.description == "rent" and dict(txn.metadata) == {"month": "march"}
    assert txn.created_at == txn.completed_at == NOW
    assert len(posting.events) == 1
    event = posting.events[0]
    assert isinstance(event, TransferCompleted)
    assert event.transaction == txn and event.occurred_at == NOW
    assert event.event_type == "transfer.completed" and event.aggregate_id == str(txn.id)
    assert event.payload()["amount"] == 1_000 and event.payload()["source_wallet_id"] == str(source.id)


def test_plan_transfer_gives_every_transaction_its_own_id() -> None:
    source, destination = wallet(1_000), wallet()
    first = plan_transfer(source, destination, usd(1), ACTOR, NO_DETAILS, NOW)
    second = plan_transfer(source, destination, usd(1), ACTOR, NO_DETAILS, NOW)
    assert first.transaction.id != second.transaction.id
    assert first.events[0].id != second.events[0].id


def test_plan_transfer_to_the_same_wallet() -> None:
    source = wallet(1_000)
    with pytest.raises(SameWallet):
        plan_transfer(source, source, usd(1), ACTOR, NO_DETAILS, NOW)


def test_presume_transfer_plans_what_plan_transfer_plans_without_the_wallets() -> None:
    source, destination = wallet(1_000), wallet(5)
    details = MovementDetails(None, "rent", {"month": "march"})

    planned = plan_transfer(source, destination, usd(700), ACTOR, details, NOW)
    presumed = presume_transfer(source.id, destination.id, usd(700), ACTOR, details, NOW)

    assert presumed is not None
    assert presumed.legs == planned.legs and presumed.verified_actor == planned.verified_actor
    fields = ("type", "status", "amount", "source_wallet_id", "destination_wallet_id", "description")
    assert [getattr(presumed.transaction, f) for f in fields] == [
        getattr(planned.transaction, f) for f in fields
    ]
    assert [type(e) for e in presumed.events] == [type(e) for e in planned.events]
    assert presume_transfer(source.id, source.id, usd(1), ACTOR, NO_DETAILS, NOW) is None  # explained by plan
    # nothing about the wallets is checked: an empty source still gets a posting, storage refuses it
    assert presume_transfer(uuid4(), uuid4(), usd(10**9), ACTOR, NO_DETAILS, NOW) is not None


def test_plan_transfer_currency_mismatch_on_either_side() -> None:
    usd_wallet, eur_wallet = wallet(1_000), wallet(1_000, EUR)
    other_usd = wallet()
    with pytest.raises(CurrencyMismatch) as source_side:
        plan_transfer(eur_wallet, other_usd, usd(1), ACTOR, NO_DETAILS, NOW)
    assert source_side.value.extra == {"wallet_id": str(eur_wallet.id)}
    with pytest.raises(CurrencyMismatch) as destination_side:
        plan_transfer(usd_wallet, eur_wallet, usd(1), ACTOR, NO_DETAILS, NOW)
    assert destination_side.value.extra == {"wallet_id": str(eur_wallet.id)}


@pytest.mark.parametrize("status", [WalletStatus.SUSPENDED, WalletStatus.CLOSED])
def test_plan_transfer_needs_both_wallets_active(status: WalletStatus) -> None:
    inactive_source = wallet(1_000, status=status)
    with pytest.raises(WalletNotActive) as source_side:
        plan_transfer(inactive_source, wallet(), usd(1), ACTOR, NO_DETAILS, NOW)
    assert source_side.value.extra == {"wallet_id": str(inactive_source.id)}
    inactive_destination = wallet(status=status)
    with pytest.raises(WalletNotActive) as destination_side:
        plan_transfer(wallet(1_000), inactive_destination, usd(1), ACTOR, NO_DETAILS, NOW)
    assert destination_side.value.extra == {"wallet_id": str(inactive_destination.id)}


def test_plan_transfer_insufficient_funds() -> None:
    source = wallet(999)
    with pytest.raises(InsufficientFunds) as raised:
        plan_transfer(source, wallet(), usd(1_000), ACTOR, NO_DETAILS, NOW)
    assert raised.value.extra == {"wallet_id": str(source.id)}
    with pytest.raises(InsufficientFunds):
        plan_transfer(wallet(0), wallet(), usd(1), ACTOR, NO_DETAILS, NOW)


# --- plan_withdrawal ----------------------------------------------------------------------------------


def test_plan_withdrawal() -> None:
    source, account = wallet(700), settlement()
    details = MovementDetails("wd-1", "cash out", None)

    posting = plan_withdrawal(source, account, usd(700), ACTOR, details, NOW)

    charge = OutgoingCharge(700, NOW)
    assert posting.legs == (Leg(source.id, -700, USD, charge=charge), Leg(account.id, 700, USD))
    txn = posting.transaction
    assert txn.type is TransactionType.WITHDRAWAL
    assert (txn.source_wallet_id, txn.destination_wallet_id) == (source.id, None)
    assert txn.reference == "wd-1" and txn.description == "cash out" and dict(txn.metadata) == {}
    assert [type(e) for e in posting.events] == [WithdrawalCompleted]
    assert posting.events[0].event_type == "withdrawal.completed"


def test_plan_withdrawal_rules() -> None:
    with pytest.raises(InsufficientFunds):
        plan_withdrawal(wallet(699), settlement(), usd(700), ACTOR, NO_DETAILS, NOW)
    with pytest.raises(CurrencyMismatch):
        plan_withdrawal(wallet(1_000, EUR), settlement(), usd(1), ACTOR, NO_DETAILS, NOW)
    for status in (WalletStatus.SUSPENDED, WalletStatus.CLOSED):
        with pytest.raises(WalletNotActive):
            plan_withdrawal(wallet(1_000, status=status), settlement(), usd(1), ACTOR, NO_DETAILS, NOW)


# --- plan_deposit -------------------------------------------------------------------------------------


def test_plan_deposit() -> None:
    target, account = wallet(), settlement()
    posting = plan_deposit(target, account, usd(10_000), ACTOR, MovementDetails("bank-123"), NOW)

    assert posting.legs == (Leg(account.id, -10_000, USD), Leg(target.id, 10_000, USD))
    assert posting.verified_actor is None  # receiving needs no KYC
    txn = posting.transaction
    assert txn.type is TransactionType.DEPOSIT
    assert (txn.source_wallet_id, txn.destination_wallet_id) == (None, target.id)
    assert txn.reference == "bank-123"
    assert [type(e) for e in posting.events] == [DepositCompleted]
    assert posting.events[0].event_type == "deposit.completed"


def test_plan_deposit_rules() -> None:
    with pytest.raises(CurrencyMismatch):
        plan_deposit(wallet(currency=EUR), settlement(), usd(1), ACTOR, NO_DETAILS, NOW)
    for status in (WalletStatus.SUSPENDED, WalletStatus.CLOSED):
        with pytest.raises(WalletNotActive):
            plan_deposit(wallet(status=status), settlement(), usd(1), ACTOR, NO_DETAILS, NOW)


# --- explain_refusal ----------------------------------------------------------------------------------


def state(
    balance: int = 0,
    status: WalletStatus = WalletStatus.ACTIVE,
    currency: str = "USD",
    is_system: bool = False,
) -> WalletState:
    return WalletState(status, balance, is_system, currency)


def transfer_posting(amount: int = 100) -> tuple[Posting, UUID, UUID]:
    source, destination = wallet(amount), wallet()
    posting = plan_transfer(source, destination, usd(amount), ACTOR, NO_DETAILS, NOW)
    return posting, source.id, destination.id


def test_explain_refusal_missing_wallet() -> None:
    posting, source, destination = transfer_posting()
    refusal = explain_refusal(posting, {source: state(100)})
    assert isinstance(refusal, WalletNotFound)
    assert str(destination) in refusal.detail


def test_explain_refusal_currency() -> None:
    posting, source, destination = transfer_posting()
    refusal = explain_refusal(posting, {source: state(100), destination: state(currency="EUR")})
    assert isinstance(refusal, CurrencyMismatch)
    assert refusal.extra == {"wallet_id": str(destination)}


@pytest.mark.parametrize("status", [WalletStatus.SUSPENDED, WalletStatus.CLOSED])
def test_explain_refusal_inactive(status: WalletStatus) -> None:
    posting, source, destination = transfer_posting()
    refusal = explain_refusal(posting, {source: state(100, status=status), destination: state()})
    assert isinstance(refusal, WalletNotActive)
    assert refusal.extra == {"wallet_id": str(source)}


def test_explain_refusal_insufficient_funds() -> None:
    posting, source, destination = transfer_posting(100)
    refusal = explain_refusal(posting, {source: state(99), destination: state()})
    assert isinstance(refusal, InsufficientFunds)
    assert refusal.extra == {"wallet_id": str(source)}


def test_explain_refusal_system_accounts_may_go_negative() -> None:
    target, account = wallet(), settlement()
    posting = plan_deposit(target, account, usd(500), ACTOR, NO_DETAILS, NOW)
    states = {account.id: state(0, is_system=True), target.id: state(0)}
    assert isinstance(explain_refusal(posting, states), ConcurrencyConflict)
    user_instead = {account.id: state(0, is_system=False), target.id: state(0)}
    assert isinstance(explain_refusal(posting, user_instead), InsufficientFunds)


def test_explain_refusal_when_everything_looks_valid() -> None:
    posting, source, destination = transfer_posting(100)
    refusal = explain_refusal(posting, {source: state(100), destination: state(7)})
    assert isinstance(refusal, ConcurrencyConflict)
    assert refusal.code == "concurrency_conflict"
