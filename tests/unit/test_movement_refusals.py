"""explain_refusal (paybridge.domain.movements): why storage refused a money movement's posting, told from
the state of the wallets it locked, without storage."""

from __future__ import annotations

from uuid import UUID

import pytest

from paybridge.domain.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    InsufficientFunds,
    WalletNotActive,
    WalletNotFound,
)
from paybridge.domain.movements import WalletState, explain_refusal, plan_deposit, plan_transfer
from paybridge.domain.transactions import Posting
from paybridge.domain.wallets import WalletStatus
from tests.support.movement_builders import ACTOR, NO_DETAILS, NOW, settlement, usd, wallet


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
