"""The rules of moving money (paybridge.domain.movements): planning transfers, withdrawals and deposits
and the refusals each rule gives, without storage."""

from __future__ import annotations

from uuid import uuid4

import pytest

from paybridge.domain.errors import CurrencyMismatch, InsufficientFunds, SameWallet, WalletNotActive
from paybridge.domain.events import DepositCompleted, TransferCompleted, WithdrawalCompleted
from paybridge.domain.limits import OutgoingCharge
from paybridge.domain.movements import (
    MovementDetails,
    plan_deposit,
    plan_transfer,
    plan_withdrawal,
    presume_transfer,
)
from paybridge.domain.transactions import Leg, TransactionStatus, TransactionType
from paybridge.domain.wallets import WalletStatus
from tests.support.movement_builders import ACTOR, EUR, NO_DETAILS, NOW, USD, settlement, usd, wallet

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
