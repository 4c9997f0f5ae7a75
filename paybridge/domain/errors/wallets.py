"""Errors about wallets and the money moved between them: amounts and currencies, missing wallets or
transactions, balances, outgoing limits and the wallet lifecycle (suspended, closed)."""

from __future__ import annotations

from paybridge.domain.errors.base import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    ValidationFailed,
)


class UnsupportedCurrency(ValidationFailed):
    code = "unsupported_currency"
    title = "Unsupported currency"


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"
    title = "Invalid amount"


class WalletNotFound(NotFound):
    code = "wallet_not_found"
    title = "Wallet not found"


class TransactionNotFound(NotFound):
    code = "transaction_not_found"
    title = "Transaction not found"


class WalletAlreadyExists(Conflict):
    code = "wallet_exists"
    title = "Wallet already exists for this currency"


class InsufficientFunds(BusinessRuleViolation):
    code = "insufficient_funds"
    title = "Insufficient funds"


class CurrencyMismatch(BusinessRuleViolation):
    code = "currency_mismatch"
    title = "Currency does not match the wallet"


class SameWallet(BusinessRuleViolation):
    code = "same_wallet"
    title = "Source and destination wallets are the same"


class WalletNotActive(BusinessRuleViolation):
    code = "wallet_not_active"
    title = "Wallet is not active"


class LimitExceeded(BusinessRuleViolation):
    code = "limit_exceeded"
    title = "Outgoing limit exceeded"


class WalletNotEmpty(BusinessRuleViolation):
    code = "wallet_not_empty"
    title = "Only a wallet with no balance and no holds can be closed"


class WalletClosed(BusinessRuleViolation):
    code = "wallet_closed"
    title = "The wallet is closed; closing is final"
