from __future__ import annotations

import re

import pytest

from paybridge.domain.currencies import (
    CRYPTO_EXPONENTS,
    CURRENCY_NAMES,
    ISO_4217_EXPONENTS,
    SUPPORTED_CURRENCIES,
    exponent_of,
)

# fmt: off
WELL_KNOWN = [
    ("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4), ("UYW", 4),
    ("UYI", 0), ("XOF", 0), ("XCG", 2), ("ZWG", 2), ("SLE", 2), ("VES", 2),
    ("BTC", 8), ("ETH", 18), ("USDT", 6), ("USDC", 6),
]
ABSENT = [
    # withdrawn (ISO 4217 List Three)
    "HRK", "SLL", "BYR", "LTL", "ANG", "CUC", "ZWL", "BGN", "VEF", "MRO", "STD",
    # minor unit "N.A." in List One
    "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XTS", "XXX",
]
# fmt: on


@pytest.mark.parametrize(("code", "exponent"), WELL_KNOWN)
def test_well_known_exponents(code: str, exponent: int) -> None:
    assert exponent_of(code) == exponent
    assert SUPPORTED_CURRENCIES[code] == exponent


@pytest.mark.parametrize("code", ABSENT)
def test_withdrawn_and_na_codes_are_absent(code: str) -> None:
    assert code not in SUPPORTED_CURRENCIES
    assert code not in CURRENCY_NAMES
    assert exponent_of(code) is None


def test_lookup_is_exact_and_case_sensitive() -> None:
    assert exponent_of("usd") is None
    assert exponent_of(" USD") is None
    assert exponent_of("") is None
    assert exponent_of("NOPE") is None


def test_every_code_is_well_formed() -> None:
    pattern = re.compile(r"^[A-Z]{3,5}$")
    bad = [code for code in SUPPORTED_CURRENCIES if not pattern.fullmatch(code)]
    assert bad == []
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in ISO_4217_EXPONENTS)


def test_every_code_has_a_name_and_no_extra_names() -> None:
    assert set(CURRENCY_NAMES) == set(SUPPORTED_CURRENCIES)
    assert all(name.strip() == name and name for name in CURRENCY_NAMES.values())
    assert CURRENCY_NAMES["USD"] == "US Dollar"


def test_exponents_are_small_non_negative_ints() -> None:
    assert all(type(exp) is int and 0 <= exp <= 18 for exp in SUPPORTED_CURRENCIES.values())
    assert set(ISO_4217_EXPONENTS.values()) <= {0, 2, 3, 4}


def test_iso_table_is_large_enough() -> None:
    assert len(ISO_4217_EXPONENTS) >= 150


def test_supported_is_union_of_iso_and_crypto() -> None:
    assert set(ISO_4217_EXPONENTS).isdisjoint(CRYPTO_EXPONENTS)
    assert dict(SUPPORTED_CURRENCIES) == {**ISO_4217_EXPONENTS, **CRYPTO_EXPONENTS}
    assert set(CRYPTO_EXPONENTS) == {"BTC", "ETH", "USDT", "USDC"}


@pytest.mark.parametrize(
    "table", [ISO_4217_EXPONENTS, CRYPTO_EXPONENTS, SUPPORTED_CURRENCIES, CURRENCY_NAMES]
)
def test_tables_are_read_only(table: object) -> None:
    with pytest.raises(TypeError):
        table["USD"] = 2  # type: ignore[index]
