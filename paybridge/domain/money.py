"""Money: an integer amount of minor units of one currency. There are no floats anywhere in the money path."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from paybridge.domain.currencies import CURRENCY_NAMES, exponent_of
from paybridge.domain.errors import CurrencyMismatch, FieldError, InvalidAmount, UnsupportedCurrency

MAX_AMOUNT = 10**18
"""Largest amount accepted for one operation, in minor units (fits PostgreSQL bigint with headroom)."""


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    exponent: int

    @classmethod
    def of(cls, code: Any, field: str = "currency") -> Currency:
        exponent = exponent_of(code) if isinstance(code, str) else None
        if exponent is None:
            raise UnsupportedCurrency(
                f"{code!r} is not a supported currency",
                errors=[FieldError(field, "unknown or unsupported currency code")],
            )
        return cls(code, exponent)

    @staticmethod
    def is_supported(code: str) -> bool:
        return exponent_of(code) is not None

    @property
    def name(self) -> str:
        return CURRENCY_NAMES[self.code]

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise InvalidAmount("amount must be an integer number of minor units")

    @classmethod
    def positive(cls, amount: Any, currency: Currency, field: str = "amount") -> Money:
        """A strictly positive amount no larger than MAX_AMOUNT, as accepted for a money movement."""
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise InvalidAmount(
                "amount must be an integer in minor units",
                errors=[FieldError(field, "must be an integer number of minor units")],
            )
        if amount <= 0 or amount > MAX_AMOUNT:
            raise InvalidAmount(
                f"amount must be between 1 and {MAX_AMOUNT} minor units",
                errors=[FieldError(field, f"must be between 1 and {MAX_AMOUNT}")],
            )
        return cls(amount, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def to_decimal(self) -> Decimal:
        """For display only: the amount in major units (e.g. 10050 USD -> Decimal('100.50'))."""
        return Decimal(self.amount).scaleb(-self.currency.exponent)

    def __str__(self) -> str:
        return f"{self.to_decimal():f} {self.currency.code}"
