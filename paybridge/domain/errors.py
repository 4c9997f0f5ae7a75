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
