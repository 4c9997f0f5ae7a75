"""Domain objects for the pure unit tests of moving money: wallets, settlement accounts, amounts and a
completed transaction, all at one fixed time and by one actor."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from paybridge.domain.money import Currency, Money
from paybridge.domain.movements import MovementDetails
from paybridge.domain.transactions import Transaction, TransactionStatus, TransactionType
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
