"""Currency exchange between two wallets of one user, at an administrator-maintained rate.

A rate says how many major units of the quote currency one major unit of the base currency buys. Rates are
exact decimals (never floats). Converting `a` minor units of S (exponent eS) into Q (exponent eQ) at rate r
gives a·r·10^(eQ-eS) minor units of Q, **rounded down** to a whole minor unit — the fraction of a minor unit
stays with the platform, and a customer never receives more than the rate promises. An amount that converts
to zero minor units (or to more than the largest amount) is refused.

The posting has four legs, balanced per currency: the user's S wallet → the S `fx` system account, and the Q
`fx` system account → the user's Q wallet. The fx accounts are the platform's currency positions; their
balances (negative in the currencies it paid out) are what treasury settles with liquidity providers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from uuid import UUID

from paybridge.domain.errors import (
    ExchangeAmountInvalid,
    FieldError,
    InvalidExchangeRate,
    QuoteExpired,
    QuoteMismatch,
    QuoteUsed,
    SameCurrency,
)
from paybridge.domain.flow_events import ExchangeCompleted
from paybridge.domain.ids import new_id
from paybridge.domain.money import MAX_AMOUNT, Currency, Money
from paybridge.domain.movements import (
    MovementDetails,
    check_sendable,
    check_wallet,
    new_transaction,
    outgoing_charge,
    sender,
)
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.transactions import ExchangeDetails, Leg, Posting, TransactionType
from paybridge.domain.wallets import Wallet

_RATE = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,18})?$")
MAX_RATE_TEXT = "up to 12 digits before the point and 18 after"


def parse_rate(text: object, field: str = "rate") -> Decimal:
    """A positive exact decimal from its string form (e.g. "149.25"); InvalidExchangeRate otherwise."""
    if not isinstance(text, str) or not _RATE.fullmatch(text):
        raise InvalidExchangeRate(
            "a rate is a decimal string", errors=[FieldError(field, f"a positive decimal, {MAX_RATE_TEXT}")]
        )
    try:
        rate = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise InvalidExchangeRate("a rate is a decimal string") from None
    if rate <= 0:
        raise InvalidExchangeRate("a rate must be positive", errors=[FieldError(field, "must be positive")])
    return rate


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    base: Currency
    quote: Currency
    rate: Decimal
    updated_at: datetime
    updated_by: UUID | None = None


def convert(amount: Money, rate: Decimal, to: Currency) -> Money:
    """`amount` in `to` at `rate`, rounded down to a whole minor unit (exact rational arithmetic)."""
    exact = (
        Fraction(amount.amount) * Fraction(rate) * Fraction(10) ** (to.exponent - amount.currency.exponent)
    )
    converted = exact.numerator // exact.denominator
    if converted <= 0 or converted > MAX_AMOUNT:
        raise ExchangeAmountInvalid(
            f"{amount} at {rate} is {'less than one minor unit' if converted <= 0 else 'too large'} of {to}",
            converted_amount=converted,
        )
    return Money(converted, to)


@dataclass(frozen=True, slots=True)
class Quote:
    id: UUID
    user_id: UUID
    source: Currency
    destination: Currency
    rate: Decimal
    created_at: datetime
    expires_at: datetime
    transaction_id: UUID | None = None

    def ensure_usable(self, source: Currency, destination: Currency, now: datetime) -> None:
        if (self.source, self.destination) != (source, destination):
            raise QuoteMismatch(
                f"quote {self.id} is for {self.source} to {self.destination}", quote_id=str(self.id)
            )
        if self.transaction_id is not None:
            raise QuoteUsed(f"quote {self.id} was already used", quote_id=str(self.id))
        if self.expires_at <= now:
            raise QuoteExpired(
                f"quote {self.id} expired at {self.expires_at.isoformat()}", quote_id=str(self.id)
            )


def new_quote(user_id: UUID, rate: ExchangeRate, now: datetime, policy: PaymentPolicy) -> Quote:
    if rate.base == rate.quote:
        raise SameCurrency("an exchange needs two different currencies")
    return Quote(new_id(), user_id, rate.base, rate.quote, rate.rate, now, now + policy.quote_ttl)


def plan_exchange(
    source: Wallet,
    destination: Wallet,
    fx_source: Wallet,
    fx_destination: Wallet,
    money: Money,
    rate: Decimal,
    quote: Quote | None,
    actor: UUID,
    details: MovementDetails,
    now: datetime,
    policy: PaymentPolicy,
) -> Posting:
    """Sells `money` from `source` and buys its conversion at `rate` into `destination` (both the actor's)."""
    check_wallet(source, money)
    if destination.currency == source.currency:
        raise SameCurrency("source and destination wallets hold the same currency")
    destination.ensure_active()
    if quote is not None:
        quote.ensure_usable(source.currency, destination.currency, now)
    bought = convert(money, rate, destination.currency)
    charge = outgoing_charge(money, now, policy)
    check_sendable(source, money, charge)
    txn = replace(
        new_transaction(TransactionType.EXCHANGE, money, source.id, destination.id, actor, details, now),
        exchange=ExchangeDetails(rate, bought),
    )
    legs = (
        Leg(source.id, -money.amount, money.currency, charge=charge),
        Leg(fx_source.id, money.amount, money.currency),
        Leg(fx_destination.id, -bought.amount, bought.currency),
        Leg(destination.id, bought.amount, bought.currency),
    )
    return Posting(
        txn,
        legs,
        (ExchangeCompleted(occurred_at=now, transaction=txn),),
        verified_actor=sender(actor, policy),
        quote_id=quote.id if quote else None,
    )
