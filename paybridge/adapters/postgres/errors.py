"""Translation of psycopg errors into the domain's error hierarchy, by SQLSTATE and constraint name."""

from __future__ import annotations

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from paybridge.domain.errors import (
    ConcurrencyConflict,
    EmailAlreadyRegistered,
    InsufficientFunds,
    PayBridgeError,
    ReversalExceedsAmount,
    StorageUnavailable,
    WalletAlreadyExists,
    WalletNotEmpty,
)

_UNIQUE_CONSTRAINTS: dict[str, type[PayBridgeError]] = {
    "users_email_key": EmailAlreadyRegistered,
    "wallets_user_currency_key": WalletAlreadyExists,
}
# Checks the posting statement verifies before writing; should one still fail, it means the same thing.
_CHECK_CONSTRAINTS: dict[str, type[PayBridgeError]] = {
    "wallets_balance_non_negative": InsufficientFunds,
    "wallets_held_within_balance": InsufficientFunds,
    "transactions_reversed_within_amount": ReversalExceedsAmount,
    "wallets_closed_are_empty": WalletNotEmpty,
}
_UNAVAILABLE_CLASSES = (
    "08",
    "53",
    "57",
)  # connection exceptions, insufficient resources, operator intervention


def error_type(error: BaseException) -> str:
    """A short, bounded label for metrics: the SQLSTATE's class name or the exception type."""
    if isinstance(error, psycopg.Error) and error.sqlstate:
        return type(error).__name__
    return type(error).__name__


def translate(error: BaseException) -> PayBridgeError | None:
    """The domain error a database error means, or None when it is a defect that must surface as-is."""
    if isinstance(error, PoolTimeout):
        return StorageUnavailable("no database connection became available in time")
    if not isinstance(error, psycopg.Error):
        return None
    constraint = error.diag.constraint_name if error.diag else None
    if isinstance(error, pg_errors.DeadlockDetected):
        return ConcurrencyConflict("deadlock detected", reason="deadlock")
    if isinstance(error, pg_errors.SerializationFailure):
        return ConcurrencyConflict("serialization failure", reason="serialization")
    if isinstance(error, pg_errors.LockNotAvailable):
        return ConcurrencyConflict("lock not available", reason="lock_timeout")
    if isinstance(error, pg_errors.UniqueViolation):
        if constraint == "idempotency_keys_pkey":
            return ConcurrencyConflict("idempotency key stored concurrently", reason="idempotency_race")
        if constraint in _UNIQUE_CONSTRAINTS:
            return _UNIQUE_CONSTRAINTS[constraint]()
        return None
    if isinstance(error, pg_errors.CheckViolation) and constraint in _CHECK_CONSTRAINTS:
        return _CHECK_CONSTRAINTS[constraint](f"the change would break {constraint}")
    if isinstance(error, pg_errors.QueryCanceled):
        return StorageUnavailable("the database did not answer in time")
    sqlstate = error.sqlstate or ""
    if isinstance(error, psycopg.OperationalError) or sqlstate[:2] in _UNAVAILABLE_CLASSES:
        return StorageUnavailable("the database is unavailable")
    return None
