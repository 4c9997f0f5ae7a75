"""Pure rules of the payment flows: limit configuration and usage periods, exchange rounding, rates,
multi-currency postings, hold expiry, refusal explanations and the configuration of the policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from paybridge.config import ConfigurationError, Settings
from paybridge.domain.errors import (
    ExchangeAmountInvalid,
    HoldNotPending,
    InvalidExchangeRate,
    InvalidHoldExpiry,
    KycRequired,
    LimitExceeded,
    QuoteUsed,
)
from paybridge.domain.exchange import convert, parse_rate
from paybridge.domain.holds import hold_expiry
from paybridge.domain.limits import LimitPolicy, Limits, OutgoingCharge, OutgoingUsage, allowance, give_back
from paybridge.domain.money import Currency, Money
from paybridge.domain.movements import MovementDetails, plan_transfer
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.refusals import RefusedConditions, WalletState, explain_refusal
from paybridge.domain.reversals import plan_reversal
from paybridge.domain.transactions import Leg, Posting, TransactionType, UnbalancedPosting
from paybridge.domain.wallets import WalletStatus, open_wallet
from tests.support.movement_builders import transaction

USD, JPY, KWD, ETH = (Currency.of(c) for c in ("USD", "JPY", "KWD", "ETH"))
NOW = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)


def test_limit_policy_parses_the_documented_format() -> None:
    policy = LimitPolicy.parse(" USD:daily=1000000,monthly=5000000 ; EUR:daily=500000;JPY:monthly=9 ")
    assert policy.for_currency("USD") == Limits(1_000_000, 5_000_000)
    assert policy.for_currency("EUR") == Limits(500_000, None)
    assert policy.for_currency("JPY") == Limits(None, 9)
    assert policy.for_currency("GBP") == Limits()
    assert LimitPolicy.parse("").defaults == {}


@pytest.mark.parametrize(
    "text",
    [
        "USD",
        "usd:daily=1",
        "XYZ:daily=1",
        "USD:weekly=1",
        "USD:daily=-1",
        "USD:daily=1,daily=2",
        "USD:daily=1;USD:monthly=2",
    ],
)
def test_limit_policy_refuses_malformed_configuration(text: str) -> None:
    with pytest.raises(ValueError):
        LimitPolicy.parse(text)
    with pytest.raises(ConfigurationError, match="PAYBRIDGE_LIMITS"):
        Settings.from_env({"PAYBRIDGE_LIMITS": text})


def test_settings_read_the_payment_policy() -> None:
    settings = Settings.from_env(
        {
            "PAYBRIDGE_KYC_REQUIRED_FOR_OUTGOING": "false",
            "PAYBRIDGE_LIMITS": "USD:daily=5",
            "PAYBRIDGE_REVERSAL_WINDOW_SECONDS": "60",
            "PAYBRIDGE_EXCHANGE_QUOTE_TTL_SECONDS": "15",
        }
    )
    assert not settings.kyc_required_for_outgoing
    assert (settings.outgoing_limits, settings.reversal_window_seconds) == ("USD:daily=5", 60)
    assert settings.exchange_quote_ttl_seconds == 15
    with pytest.raises(ConfigurationError):
        Settings.from_env(
            {"PAYBRIDGE_HOLD_DEFAULT_TTL_SECONDS": "100", "PAYBRIDGE_HOLD_MAX_TTL_SECONDS": "10"}
        )


def test_usage_is_counted_per_utc_day_and_month() -> None:
    usage = OutgoingUsage().charged(300, NOW)
    assert usage == OutgoingUsage(date(2026, 3, 31), 300, date(2026, 3, 1), 300)
    assert usage.charged(-500, NOW) == OutgoingUsage(date(2026, 3, 31), 0, date(2026, 3, 1), 0)  # never < 0
    tomorrow = NOW + timedelta(hours=1)  # April 1st, UTC
    assert usage.charged(50, tomorrow) == OutgoingUsage(date(2026, 4, 1), 50, date(2026, 4, 1), 50)
    assert usage.charged(-100, tomorrow) == usage  # a give-back for a period that is over changes nothing
    assert usage.used(tomorrow) == (0, 0)
    in_tokyo = datetime(2026, 3, 31, 20, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo"))  # April 1st there
    assert OutgoingUsage().charged(1, in_tokyo).day == date(2026, 3, 31)  # periods are UTC


@pytest.mark.parametrize(
    ("kind", "counted"),
    [
        (TransactionType.TRANSFER, True),
        (TransactionType.WITHDRAWAL, True),
        (TransactionType.HOLD, True),  # a captured hold: counted when placed, its created_at
        (TransactionType.DEPOSIT, False),
    ],
)
def test_a_reversal_gives_a_counted_debit_back_to_its_period(kind: TransactionType, counted: bool) -> None:
    placed = NOW - timedelta(hours=5)
    source, destination, settlement = uuid4(), uuid4(), uuid4()
    original = replace(
        transaction(1_000),
        type=kind,
        source_wallet_id=None if kind is TransactionType.DEPOSIT else source,
        destination_wallet_id=None if kind is TransactionType.WITHDRAWAL else destination,
        created_at=placed,
        completed_at=NOW,
    )
    posting = plan_reversal(original, settlement, 400, "returned", uuid4(), NOW + timedelta(days=1))
    debited, credited = posting.legs
    assert debited.charge is None  # the reversing wallet's own usage is untouched
    assert credited.charge == (OutgoingCharge(-400, placed) if counted else None)
    assert give_back(0, placed) is None


def test_allowance_prefers_the_wallet_s_own_limits() -> None:
    current = allowance(Limits(None, 10_000), Limits(1_000, 2_000), OutgoingUsage().charged(400, NOW), NOW)
    assert (current.limits, current.daily_remaining, current.monthly_remaining) == (
        Limits(1_000, 10_000),
        600,
        9_600,
    )
    assert current.remaining == 600
    assert allowance(Limits(), Limits(), OutgoingUsage(), NOW).remaining is None


@pytest.mark.parametrize(
    ("amount", "rate", "source", "target", "expected"),
    [
        (1_000, "149.5", USD, JPY, 1_495),
        (1, "149.5", USD, JPY, 1),
        (150, "0.0066889", JPY, USD, 100),
        (12_345, "0.3071", USD, KWD, 37_911),
        (999, "3.2563", KWD, USD, 325),  # 0.999 KWD * 3.2563 = 3.2530437 USD -> 325 cents
        (10**15, "3000", ETH, USD, 300),  # 0.001 ETH at 3000 USD = $3.00
        (1, "3000", ETH, USD, 0),  # one wei is far below a cent: refused
    ],
)
def test_conversion_rounds_down_exactly(
    amount: int, rate: str, source: Currency, target: Currency, expected: int
) -> None:
    if expected == 0:
        with pytest.raises(ExchangeAmountInvalid):
            convert(Money(amount, source), parse_rate(rate), target)
        return
    assert convert(Money(amount, source), parse_rate(rate), target) == Money(expected, target)


@pytest.mark.parametrize(
    "text", ["0", "0.0", "-1", "1e5", " 1", "1.", ".5", "1234567890123.5", "1." + "1" * 19, 1, None]
)
def test_rates_are_positive_decimal_strings(text: object) -> None:
    with pytest.raises(InvalidExchangeRate):
        parse_rate(text)
    assert parse_rate("149.250") == Decimal("149.25")


def test_multi_currency_postings_balance_per_currency() -> None:
    a, b, c, d = uuid4(), uuid4(), uuid4(), uuid4()
    legs = (Leg(a, -100, USD), Leg(b, 100, USD), Leg(c, -15_000, JPY), Leg(d, 15_000, JPY))
    assert len(Posting(transaction(), legs).legs) == 4
    with pytest.raises(UnbalancedPosting):  # balanced overall, not per currency
        Posting(transaction(), (Leg(a, -100, USD), Leg(b, 100, JPY)))
    held_only = Posting(transaction(), (Leg(a, 0, USD, held_delta=100),))
    assert held_only.legs[0].only_releases is False
    assert Leg(a, 0, USD, held_delta=-100).only_releases


def test_hold_expiry_rules() -> None:
    policy = PaymentPolicy(hold_default_ttl=timedelta(hours=1), hold_max_ttl=timedelta(days=1))
    assert hold_expiry(NOW, None, None, policy) == NOW + timedelta(hours=1)
    assert hold_expiry(NOW, None, 60, policy) == NOW + timedelta(seconds=60)
    assert hold_expiry(NOW, NOW + timedelta(hours=5), None, policy) == NOW + timedelta(hours=5)
    for expires_at, ttl in ((NOW, None), (NOW - timedelta(1), None), (None, 86_401), (NOW + timedelta(1), 5)):
        with pytest.raises(InvalidHoldExpiry):
            hold_expiry(NOW, expires_at, ttl, policy)
    with pytest.raises(InvalidHoldExpiry):
        hold_expiry(NOW, datetime(2026, 4, 1), None, policy)  # no offset


def test_transfers_check_limits_and_carry_the_kyc_requirement() -> None:
    source = open_wallet(uuid4(), USD, NOW).with_delta(10_000, NOW)
    destination = open_wallet(uuid4(), USD, NOW)
    policy = PaymentPolicy(limits=LimitPolicy({"USD": Limits(daily=500)}))
    actor = uuid4()
    with pytest.raises(LimitExceeded) as exceeded:
        plan_transfer(source, destination, Money(501, USD), actor, MovementDetails(), NOW, policy)
    assert exceeded.value.extra["remaining"] == 500
    posting = plan_transfer(source, destination, Money(500, USD), actor, MovementDetails(), NOW, policy)
    assert posting.verified_actor == actor
    assert posting.legs[0].charge == OutgoingCharge(500, NOW, Limits(daily=500))
    relaxed = PaymentPolicy(kyc_required_for_outgoing=False)
    assert (
        plan_transfer(
            source, destination, Money(1, USD), actor, MovementDetails(), NOW, relaxed
        ).verified_actor
        is None
    )


def test_refusals_name_the_broken_rule_first() -> None:
    source = open_wallet(uuid4(), USD, NOW).with_delta(1_000, NOW)
    destination = open_wallet(uuid4(), USD, NOW)
    posting = plan_transfer(source, destination, Money(600, USD), uuid4(), MovementDetails(), NOW)
    ok = WalletState(WalletStatus.ACTIVE, 1_000, False, "USD")
    states = {source.id: ok, destination.id: WalletState(WalletStatus.ACTIVE, 0, False, "USD")}
    assert isinstance(explain_refusal(posting, states, RefusedConditions(actor_verified=False)), KycRequired)
    assert isinstance(explain_refusal(posting, states, RefusedConditions(hold_pending=False)), HoldNotPending)
    assert isinstance(explain_refusal(posting, states, RefusedConditions(quote_unused=False)), QuoteUsed)
    held = {**states, source.id: WalletState(WalletStatus.ACTIVE, 1_000, False, "USD", held=500)}
    assert explain_refusal(posting, held).code == "insufficient_funds"
    limited = {
        **states,
        source.id: WalletState(WalletStatus.ACTIVE, 1_000, False, "USD", limits=Limits(daily=599)),
    }
    refusal = explain_refusal(posting, limited)
    assert isinstance(refusal, LimitExceeded) and refusal.extra["daily_remaining"] == 599
