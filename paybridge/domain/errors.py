"""One error hierarchy for the whole service. Each concrete error has a stable machine `code`.

The HTTP edge maps the categories (validation, not found, conflict, business rule, ...) to status codes;
nothing here knows about HTTP. Errors can be rebuilt from their code (`error_from_code`) so that a stored
idempotent outcome replays the same error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

_REGISTRY: dict[str, type[PayBridgeError]] = {}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class PayBridgeError(Exception):
    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra
        self.replayed = False
        super().__init__(self.detail)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            _REGISTRY[cls.code] = cls


def error_from_code(code: str, detail: str | None, extra: dict[str, Any] | None = None) -> PayBridgeError:
    cls = _REGISTRY.get(code, PayBridgeError)
    return cls(detail, **(extra or {}))


# --- categories -------------------------------------------------------------------------------------


class ValidationFailed(PayBridgeError):
    code = "validation_error"
    title = "The request is invalid"

    def __init__(
        self, detail: str | None = None, errors: list[FieldError] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        self.errors = list(errors or [])


class AuthenticationFailed(PayBridgeError):
    code = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(PayBridgeError):
    code = "forbidden"
    title = "Not allowed"


class NotFound(PayBridgeError):
    code = "not_found"
    title = "Not found"


class Conflict(PayBridgeError):
    code = "conflict"
    title = "Conflict"


class BusinessRuleViolation(PayBridgeError):
    code = "business_rule_violation"
    title = "The operation is not allowed"


class TemporarilyUnavailable(PayBridgeError):
    """Safe to retry later with the same Idempotency-Key; nothing was changed."""

    code = "temporarily_unavailable"
    title = "Temporarily unavailable"
    retry_after_seconds: ClassVar[int] = 1


# --- concrete errors --------------------------------------------------------------------------------


class UnsupportedCurrency(ValidationFailed):
    code = "unsupported_currency"
    title = "Unsupported currency"


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"
    title = "Invalid amount"


class InvalidCredentials(AuthenticationFailed):
    code = "invalid_credentials"
    title = "Invalid credentials"


class InvalidToken(AuthenticationFailed):
    code = "invalid_token"
    title = "Invalid or expired token"


class AdminRequired(PermissionDenied):
    code = "admin_required"
    title = "Administrator role required"


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "User not found"


class WalletNotFound(NotFound):
    code = "wallet_not_found"
    title = "Wallet not found"


class TransactionNotFound(NotFound):
    code = "transaction_not_found"
    title = "Transaction not found"


class EmailAlreadyRegistered(Conflict):
    code = "email_taken"
    title = "Email already registered"


class WalletAlreadyExists(Conflict):
    code = "wallet_exists"
    title = "Wallet already exists for this currency"


class IdempotencyRequestInProgress(Conflict):
    code = "idempotency_in_progress"
    title = "A request with this Idempotency-Key is still being processed"
    retry_after_seconds: ClassVar[int] = 1


class IdempotencyKeyReused(BusinessRuleViolation):
    code = "idempotency_key_reused"
    title = "Idempotency-Key was already used with a different request"


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


class ConcurrencyConflict(TemporarilyUnavailable):
    code = "concurrency_conflict"
    title = "The operation collided with concurrent work; retry with the same Idempotency-Key"


class StorageUnavailable(TemporarilyUnavailable):
    code = "storage_unavailable"
    title = "The database is unavailable"


# --- payment flows: KYC, limits, holds, reversals, exchange, wallet lifecycle ------------------------


class KycRequired(BusinessRuleViolation):
    code = "kyc_required"
    title = "Identity verification (KYC) is required to send money"


class InvalidKycTransition(Conflict):
    code = "kyc_transition_invalid"
    title = "The KYC status does not allow this"


class KycSelfReview(PermissionDenied):
    code = "kyc_self_review"
    title = "Administrators cannot decide their own KYC"


class LimitExceeded(BusinessRuleViolation):
    code = "limit_exceeded"
    title = "Outgoing limit exceeded"


class HoldNotFound(NotFound):
    code = "hold_not_found"
    title = "Hold not found"


class HoldNotPending(BusinessRuleViolation):
    code = "hold_not_pending"
    title = "The hold was already captured, voided or expired"


class HoldExpired(BusinessRuleViolation):
    code = "hold_expired"
    title = "The hold has expired"


class CaptureExceedsHold(BusinessRuleViolation):
    code = "capture_exceeds_hold"
    title = "The capture is larger than the held amount"


class InvalidHoldExpiry(ValidationFailed):
    code = "invalid_hold_expiry"
    title = "Invalid hold expiry"


class NotReversible(BusinessRuleViolation):
    code = "not_reversible"
    title = "This transaction cannot be reversed"


class ReversalExceedsAmount(BusinessRuleViolation):
    code = "reversal_exceeds_amount"
    title = "The reversal exceeds what is left to reverse"


class ReversalNotPermitted(PermissionDenied):
    code = "reversal_not_permitted"
    title = "Only administrators, or the sender of a transfer, may reverse it"


class ReversalWindowClosed(PermissionDenied):
    code = "reversal_window_closed"
    title = "The time to reverse this transfer has passed"


class InvalidExchangeRate(ValidationFailed):
    code = "invalid_rate"
    title = "Invalid exchange rate"


class ExchangeRateUnavailable(BusinessRuleViolation):
    code = "rate_unavailable"
    title = "No exchange rate for this currency pair"


class SameCurrency(BusinessRuleViolation):
    code = "same_currency"
    title = "An exchange needs wallets of two different currencies"


class ExchangeAmountInvalid(BusinessRuleViolation):
    code = "exchange_amount_invalid"
    title = "The converted amount would be zero or too large"


class QuoteNotFound(NotFound):
    code = "quote_not_found"
    title = "Quote not found"


class QuoteExpired(BusinessRuleViolation):
    code = "quote_expired"
    title = "The quote has expired"


class QuoteUsed(BusinessRuleViolation):
    code = "quote_used"
    title = "The quote was already used"


class QuoteMismatch(BusinessRuleViolation):
    code = "quote_mismatch"
    title = "The quote is for other currencies"


class WalletNotEmpty(BusinessRuleViolation):
    code = "wallet_not_empty"
    title = "Only a wallet with no balance and no holds can be closed"


class WalletClosed(BusinessRuleViolation):
    code = "wallet_closed"
    title = "The wallet is closed; closing is final"


# --- abuse protection ---------------------------------------------------------------------------------


class TooManyRequests(PayBridgeError):
    """A rate limit refused the request; retrying after `retry_after_seconds` may succeed (HTTP 429 with
    Retry-After). Nothing was done. `limit`, `period_seconds` and `reset_seconds` describe the limit that
    refused (the `RateLimit-*` headers), when known."""

    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self,
        detail: str | None = None,
        retry_after_seconds: int = 1,
        limit: int | None = None,
        period_seconds: float | None = None,
        reset_seconds: float | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail, **extra)
        self.retry_after_seconds = max(int(retry_after_seconds), 1)
        self.limit = limit
        self.period_seconds = period_seconds
        self.reset_seconds = reset_seconds
