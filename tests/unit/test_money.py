"""Money and Currency: integer minor units, exact arithmetic, strict validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from paybridge.domain.errors import CurrencyMismatch, InvalidAmount, UnsupportedCurrency, ValidationFailed
from paybridge.domain.money import MAX_AMOUNT, Currency, Money

USD = Currency.of("USD")
EUR = Currency.of("EUR")
JPY = Currency.of("JPY")
KWD = Currency.of("KWD")
ETH = Currency.of("ETH")


@pytest.mark.parametrize(
    ("code", "exponent", "name"),
    [("USD", 2, "US Dollar"), ("JPY", 0, "Yen"), ("KWD", 3, "Kuwaiti Dinar"), ("ETH", 18, "Ether")],
)
def test_currency_of_known_codes(code: str, exponent: int, name: str) -> None:
    currency = Currency.of(code)
    assert currency == Currency(code, exponent)
    assert currency.exponent == exponent
    assert currency.name == name
    assert str(currency) == code


@pytest.mark.parametrize(
    "code", ["XYZ", "usd", "Usd", "", " USD", "USD ", "US", "XAU", "HRK", 840, None, b"USD"]
)
def test_currency_of_unknown_codes(code: Any) -> None:
    with pytest.raises(UnsupportedCurrency) as raised:
        Currency.of(code)
    assert isinstance(raised.value, ValidationFailed)
    assert [e.field for e in raised.value.errors] == ["currency"]
    assert raised.value.code == "unsupported_currency"


def test_currency_of_names_the_given_field() -> None:
    with pytest.raises(UnsupportedCurrency) as raised:
        Currency.of("XYZ", field="target_currency")
    assert [e.field for e in raised.value.errors] == ["target_currency"]


@pytest.mark.parametrize("amount", [1, 2, 10_050, MAX_AMOUNT - 1, MAX_AMOUNT])
def test_positive_accepts_amounts_in_range(amount: int) -> None:
    money = Money.positive(amount, USD)
    assert money == Money(amount, USD)
    assert type(money.amount) is int


@pytest.mark.parametrize(
    "amount",
    [
        *(0, -1, -10_000, MAX_AMOUNT + 1, 10**30),
        *(1.0, 0.5, 100.25, float("nan"), float("inf")),
        *(True, False, "1", "100", "", None, Decimal("1"), Decimal("100.5"), [1], {"amount": 1}),
    ],
)
def test_positive_rejects_everything_else(amount: Any) -> None:
    with pytest.raises(InvalidAmount) as raised:
        Money.positive(amount, USD)
    assert isinstance(raised.value, ValidationFailed)
    assert [e.field for e in raised.value.errors] == ["amount"]
    assert raised.value.errors[0].message


def test_positive_names_the_given_field() -> None:
    with pytest.raises(InvalidAmount) as raised:
        Money.positive(0, USD, field="fee")
    assert [e.field for e in raised.value.errors] == ["fee"]


@pytest.mark.parametrize("amount", [1.0, True, "5", Decimal("5")])
def test_money_itself_holds_only_integers(amount: Any) -> None:
    with pytest.raises(InvalidAmount):
        Money(amount, USD)


def test_money_may_be_zero_or_negative_when_built_directly() -> None:
    assert Money(0, USD).amount == 0
    assert Money(-5, USD).amount == -5


def test_arithmetic_within_one_currency() -> None:
    a, b = Money(10_050, USD), Money(2_025, USD)
    assert a + b == Money(12_075, USD)
    assert a - b == Money(8_025, USD)
    assert b - a == Money(-8_025, USD)
    assert -a == Money(-10_050, USD)
    assert a + (-a) == Money(0, USD)
    big = Money(MAX_AMOUNT, USD)
    assert (big + big).amount == 2 * MAX_AMOUNT  # Python ints do not overflow


@pytest.mark.parametrize(("left", "right"), [(Money(1, USD), Money(1, EUR)), (Money(5, JPY), Money(5, KWD))])
def test_arithmetic_across_currencies_is_refused(left: Money, right: Money) -> None:
    with pytest.raises(CurrencyMismatch):
        left + right
    with pytest.raises(CurrencyMismatch):
        left - right
    with pytest.raises(CurrencyMismatch):
        right + left


def test_same_code_is_the_same_currency() -> None:
    assert Money(1, Currency.of("USD")) + Money(2, Currency("USD", 2)) == Money(3, USD)


@pytest.mark.parametrize(
    ("money", "expected", "text"),
    [
        (Money(10_050, USD), Decimal("100.50"), "100.50 USD"),
        (Money(5, JPY), Decimal("5"), "5 JPY"),
        (Money(1, KWD), Decimal("0.001"), "0.001 KWD"),
        (Money(1_500, KWD), Decimal("1.500"), "1.500 KWD"),
        (Money(1, ETH), Decimal("0.000000000000000001"), "0.000000000000000001 ETH"),
        (Money(-250, USD), Decimal("-2.50"), "-2.50 USD"),
        (Money(0, USD), Decimal("0.00"), "0.00 USD"),
    ],
)
def test_to_decimal_and_str(money: Money, expected: Decimal, text: str) -> None:
    value = money.to_decimal()
    assert value == expected
    assert f"{value:f}" == f"{expected:f}"  # keeps the currency's decimal places
    assert str(money) == text
