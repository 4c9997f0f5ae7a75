"""The error hierarchy: every concrete error has a stable code of its own, and `error_from_code` rebuilds any
error from its code (as a replayed idempotent outcome does)."""

from __future__ import annotations

from typing import Any

import pytest

from paybridge.domain.errors import (
    AdminRequired,
    AuthenticationFailed,
    ConcurrencyConflict,
    CurrencyMismatch,
    IdempotencyKeyReused,
    InsufficientFunds,
    PayBridgeError,
    ValidationFailed,
    WalletNotActive,
    WalletNotFound,
    error_from_code,
)
from paybridge.entrypoints.http.errors import (
    MalformedJson,
    MissingCredentials,
    PayloadTooLarge,
    RouteNotFound,
)
from tests.support.error_classes import CATEGORIES, class_name, concrete_error_classes

# Concrete errors that deliberately answer with their category's code instead of one of their own.
CATEGORY_CODE_ALIASES: dict[type[PayBridgeError], type[PayBridgeError]] = {
    MissingCredentials: AuthenticationFailed,
}


def test_the_walk_finds_errors_from_every_module() -> None:
    concrete = set(concrete_error_classes())
    assert {InsufficientFunds, WalletNotFound, ConcurrencyConflict, AdminRequired} <= concrete
    assert {PayloadTooLarge, MissingCredentials, MalformedJson, RouteNotFound} <= concrete
    assert len(concrete) >= 27


def test_every_concrete_error_has_its_own_unique_code() -> None:
    concrete = [cls for cls in concrete_error_classes() if cls not in CATEGORY_CODE_ALIASES]
    for cls in concrete:
        assert "code" in cls.__dict__, f"{cls.__name__} inherits its code {cls.code!r}"
        assert "title" in cls.__dict__, f"{cls.__name__} inherits its title {cls.title!r}"
        assert cls.code and cls.code == cls.code.strip().lower(), cls
    codes = [cls.code for cls in concrete]
    duplicates = {code for code in codes if codes.count(code) > 1}
    assert not duplicates, {c: [k.__name__ for k in concrete if k.code == c] for c in duplicates}
    # nor does a concrete code collide with a category's code
    category_codes = {cls.code for cls in CATEGORIES}
    assert not category_codes & set(codes)


def test_category_code_aliases_do_not_hijack_the_category_code() -> None:
    for alias, category in CATEGORY_CODE_ALIASES.items():
        assert issubclass(alias, category)
        assert alias.code == category.code
        assert "code" not in alias.__dict__  # inherited, so it does not re-register the code
        assert type(error_from_code(category.code, None)) is category


@pytest.mark.parametrize(
    "cls",
    [cls for cls in concrete_error_classes() if cls not in CATEGORY_CODE_ALIASES],
    ids=class_name,
)
def test_error_from_code_rebuilds_every_concrete_error(cls: type[PayBridgeError]) -> None:
    rebuilt = error_from_code(cls.code, "stored detail", {"wallet_id": "w-1"})
    assert type(rebuilt) is cls
    assert rebuilt.detail == "stored detail"
    assert rebuilt.extra == {"wallet_id": "w-1"}
    assert rebuilt.replayed is False


@pytest.mark.parametrize(
    "cls",
    # HttpProblem has no code of its own
    sorted((c for c in CATEGORIES if "code" in c.__dict__), key=class_name),
    ids=class_name,
)
def test_error_from_code_rebuilds_categories(cls: type[PayBridgeError]) -> None:
    assert type(error_from_code(cls.code, "x")) is cls


@pytest.mark.parametrize(
    ("cls", "detail", "extra"),
    [
        (InsufficientFunds, "wallet w holds less than 5.00 USD", {"wallet_id": "w"}),
        (WalletNotFound, "wallet x not found", {}),
        (CurrencyMismatch, "wallet y holds EUR", {"wallet_id": "y"}),
        (IdempotencyKeyReused, "different request", {}),
        (WalletNotActive, "wallet z is suspended", {"wallet_id": "z"}),
        (ConcurrencyConflict, "deadlock", {"reason": "deadlock"}),
        (ValidationFailed, "bad", {}),
    ],
)
def test_error_from_code_round_trip(cls: type[PayBridgeError], detail: str, extra: dict[str, Any]) -> None:
    original = cls(detail, **extra)
    rebuilt = error_from_code(original.code, original.detail, original.extra)
    assert type(rebuilt) is cls
    assert (rebuilt.code, rebuilt.detail, rebuilt.extra, str(rebuilt)) == (
        original.code,
        original.detail,
        original.extra,
        str(original),
    )


def test_error_from_code_defaults() -> None:
    rebuilt = error_from_code("insufficient_funds", None)
    assert type(rebuilt) is InsufficientFunds
    assert rebuilt.detail == InsufficientFunds.title
    assert rebuilt.extra == {}
    unknown = error_from_code("no_such_code", "something")
    assert type(unknown) is PayBridgeError
    assert unknown.detail == "something"


def test_detail_defaults_to_the_title() -> None:
    assert WalletNotFound().detail == "Wallet not found"
    assert str(WalletNotFound()) == "Wallet not found"
    assert WalletNotFound("custom").detail == "custom"
