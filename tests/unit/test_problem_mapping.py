"""The RFC 9457 problem mapping: the HTTP status of every error and the problem+json body built from it."""

from __future__ import annotations

from typing import Any

import pytest

from paybridge.application.context import RequestContext, enter_context, exit_context
from paybridge.domain import errors as domain_errors
from paybridge.domain.errors import (
    AdminRequired,
    AuthenticationFailed,
    BusinessRuleViolation,
    ConcurrencyConflict,
    Conflict,
    CurrencyMismatch,
    EmailAlreadyRegistered,
    FieldError,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
    InsufficientFunds,
    InvalidAmount,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    PayBridgeError,
    PermissionDenied,
    SameWallet,
    StorageUnavailable,
    TemporarilyUnavailable,
    TransactionNotFound,
    UnsupportedCurrency,
    UserNotFound,
    ValidationFailed,
    WalletAlreadyExists,
    WalletNotActive,
    WalletNotFound,
)
from paybridge.entrypoints.http.errors import (
    IdempotencyKeyMissing,
    InternalError,
    InvalidIdempotencyKey,
    MalformedJson,
    MethodNotAllowed,
    MissingCredentials,
    PayloadTooLarge,
    RouteNotFound,
    UnsupportedMediaType,
)
from paybridge.entrypoints.http.problems import PROBLEM_TYPE_BASE, problem_body, status_for
from tests.support.error_classes import concrete_error_classes

STATUS_CASES: list[tuple[PayBridgeError, int]] = [
    (ValidationFailed(), 400),
    (InvalidAmount(), 400),
    (UnsupportedCurrency(), 400),
    (MalformedJson(), 400),
    (IdempotencyKeyMissing(), 400),
    (InvalidIdempotencyKey(), 400),
    (AuthenticationFailed(), 401),
    (InvalidCredentials(), 401),
    (InvalidToken(), 401),
    (MissingCredentials(), 401),
    (PermissionDenied(), 403),
    (AdminRequired(), 403),
    (NotFound(), 404),
    (UserNotFound(), 404),
    (WalletNotFound(), 404),
    (TransactionNotFound(), 404),
    (RouteNotFound(), 404),
    (Conflict(), 409),
    (EmailAlreadyRegistered(), 409),
    (WalletAlreadyExists(), 409),
    (IdempotencyRequestInProgress(), 409),
    (BusinessRuleViolation(), 422),
    (InsufficientFunds(), 422),
    (CurrencyMismatch(), 422),
    (SameWallet(), 422),
    (WalletNotActive(), 422),
    (IdempotencyKeyReused(), 422),
    (TemporarilyUnavailable(), 503),
    (ConcurrencyConflict(), 503),
    (StorageUnavailable(), 503),
    (PayloadTooLarge(), 413),
    (UnsupportedMediaType(), 415),
    (MethodNotAllowed(), 405),
    (InternalError(), 500),
    (PayBridgeError(), 500),
    # payment flows
    (domain_errors.InvalidHoldExpiry(), 400),
    (domain_errors.InvalidExchangeRate(), 400),
    (domain_errors.KycSelfReview(), 403),
    (domain_errors.ReversalNotPermitted(), 403),
    (domain_errors.ReversalWindowClosed(), 403),
    (domain_errors.HoldNotFound(), 404),
    (domain_errors.QuoteNotFound(), 404),
    (domain_errors.InvalidKycTransition(), 409),
    (domain_errors.KycRequired(), 422),
    (domain_errors.LimitExceeded(), 422),
    (domain_errors.HoldNotPending(), 422),
    (domain_errors.HoldExpired(), 422),
    (domain_errors.CaptureExceedsHold(), 422),
    (domain_errors.NotReversible(), 422),
    (domain_errors.ReversalExceedsAmount(), 422),
    (domain_errors.ExchangeRateUnavailable(), 422),
    (domain_errors.SameCurrency(), 422),
    (domain_errors.ExchangeAmountInvalid(), 422),
    (domain_errors.QuoteExpired(), 422),
    (domain_errors.QuoteUsed(), 422),
    (domain_errors.QuoteMismatch(), 422),
    (domain_errors.WalletNotEmpty(), 422),
    (domain_errors.WalletClosed(), 422),
    (domain_errors.TooManyRequests(), 429),
]


@pytest.mark.parametrize(("error", "status"), STATUS_CASES, ids=lambda v: type(v).__name__)
def test_status_for(error: PayBridgeError, status: int) -> None:
    assert status_for(error) == status


def test_every_concrete_error_has_a_status_case() -> None:
    covered = {type(error) for error, _ in STATUS_CASES}
    missing = [cls.__name__ for cls in concrete_error_classes() if cls not in covered]
    assert not missing


@pytest.fixture
def request_id() -> Any:
    token = enter_context(RequestContext(request_id="req-123", correlation_id="corr-9"))
    yield "req-123"
    exit_context(token)


def test_problem_body(request_id: str) -> None:
    error = InsufficientFunds("wallet w holds less than 5.00 USD", wallet_id="w-1")
    body = problem_body(error, 422)
    assert body == {
        "type": PROBLEM_TYPE_BASE + "insufficient_funds",
        "title": "Insufficient funds",
        "status": 422,
        "detail": "wallet w holds less than 5.00 USD",
        "code": "insufficient_funds",
        "request_id": request_id,
        "wallet_id": "w-1",
    }


def test_problem_body_for_validation_lists_the_field_errors(request_id: str) -> None:
    error = ValidationFailed(
        "registration data is invalid",
        errors=[FieldError("email", "must be a valid email address"), FieldError("password", "too short")],
    )
    body = problem_body(error, status_for(error))
    assert body["status"] == 400
    assert body["code"] == "validation_error"
    assert body["type"] == PROBLEM_TYPE_BASE + "validation_error"
    assert body["title"] == "The request is invalid"
    assert body["detail"] == "registration data is invalid"
    assert body["request_id"] == request_id
    assert body["errors"] == [
        {"field": "email", "message": "must be a valid email address"},
        {"field": "password", "message": "too short"},
    ]


def test_problem_body_without_field_errors_has_no_errors_member(request_id: str) -> None:
    assert "errors" not in problem_body(ValidationFailed("bad"), 400)
    assert "errors" not in problem_body(WalletNotFound(), 404)


def test_problem_body_extras_never_override_or_leak(request_id: str) -> None:
    error = ConcurrencyConflict("deadlock", reason="deadlock", code="spoofed", status=200, hint="retry")
    body = problem_body(error, 503)
    assert body["code"] == "concurrency_conflict"
    assert body["status"] == 503
    assert "reason" not in body  # internal detail of why storage refused
    assert body["hint"] == "retry"


def test_problem_body_without_a_request_context() -> None:
    body = problem_body(WalletNotFound(), 404)
    assert body["request_id"] is None
    assert set(body) == {"type", "title", "status", "detail", "code", "request_id"}
