"""Outgoing limits: how much a wallet may send per UTC day and per UTC calendar month.

What counts as outgoing: every debit the wallet's owner initiates — withdrawals, transfers, exchanges and holds
(a hold counts when it is placed, as card networks count authorizations; capturing it counts nothing more).
What is undone is given back (`give_back`) to the periods the debit was counted in, if they are still the
current ones: the part of a hold a capture, void or expiry releases, and what a reversal returns of a
withdrawal, a transfer or a captured hold. Deposits, reversals and anything an administrator does are not
counted.

The counters live on the wallet row (`OutgoingUsage`) and are moved by the same locked statement that debits
the wallet, so concurrent debits cannot together exceed a limit. A period that is over is simply replaced by
the next one when the wallet is next charged. Limits come from the currency's default (configuration,
`LimitPolicy`) unless an administrator set the wallet's own (`Limits` on the wallet); None means unlimited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType

from paybridge.domain.currencies import exponent_of
from paybridge.domain.errors import LimitExceeded

_ENTRY = re.compile(r"^(?P<currency>[A-Z]{3,5}):(?P<limits>.+)$")
_LIMIT = re.compile(r"^(?P<period>daily|monthly)=(?P<amount>[0-9]{1,19})$")


def periods(at: datetime) -> tuple[date, date]:
    """The UTC day and the first day of the UTC month that `at` falls in."""
    day = at.astimezone(UTC).date()
    return day, day.replace(day=1)


@dataclass(frozen=True, slots=True)
class Limits:
    """Outgoing limits in minor units of the wallet's currency; None means unlimited."""

    daily: int | None = None
    monthly: int | None = None

    def over(self, defaults: Limits) -> Limits:
        """These limits where set, else `defaults`'."""
        return Limits(
            self.daily if self.daily is not None else defaults.daily,
            self.monthly if self.monthly is not None else defaults.monthly,
        )


@dataclass(frozen=True, slots=True)
class OutgoingUsage:
    """What a wallet sent in its latest counted day and month (the periods' first days and amounts)."""

    day: date | None = None
    day_amount: int = 0
    month: date | None = None
    month_amount: int = 0

    def used(self, at: datetime) -> tuple[int, int]:
        """Amounts counted in the day and the month of `at` (0 for a period that is not the stored one)."""
        day, month = periods(at)
        return (self.day_amount if self.day == day else 0, self.month_amount if self.month == month else 0)

    def charged(self, amount: int, at: datetime) -> OutgoingUsage:
        """`amount` counted in the periods of `at`: added to a stored period of `at`; a positive amount
        starts a new period; a give-back (negative) for a period no longer stored changes nothing. Never
        below zero. The posting statement (adapters/postgres/posting_sql.py) does exactly this in SQL."""
        day, month = periods(at)
        new_day, day_amount = _count(self.day, self.day_amount, day, amount)
        new_month, month_amount = _count(self.month, self.month_amount, month, amount)
        return OutgoingUsage(new_day, day_amount, new_month, month_amount)


def _count(stored: date | None, stored_amount: int, period: date, amount: int) -> tuple[date | None, int]:
    if amount == 0:
        return stored, stored_amount
    if stored == period:
        return stored, max(stored_amount + amount, 0)
    if amount > 0:
        return period, amount
    return stored, stored_amount


@dataclass(frozen=True, slots=True)
class OutgoingCharge:
    """A leg's effect on its wallet's outgoing usage: `amount` counted in the periods of `at`. Positive amounts
    are checked against the wallet's limits (its own, else `defaults`); negative ones give allowance back."""

    amount: int
    at: datetime
    defaults: Limits = field(default_factory=Limits)


def give_back(amount: int, counted_at: datetime) -> OutgoingCharge | None:
    """Undoes `amount` of a debit counted at `counted_at`: a negative charge in the periods of `counted_at`,
    which changes a wallet's usage only while those periods are still the stored (current) ones, and never
    below zero (`OutgoingUsage.charged`). None when there is nothing to give back."""
    return OutgoingCharge(-amount, counted_at) if amount else None


@dataclass(frozen=True, slots=True)
class Allowance:
    """A wallet's limits and what is left of them at one moment; None means unlimited."""

    limits: Limits
    daily_used: int
    monthly_used: int

    @property
    def daily_remaining(self) -> int | None:
        return None if self.limits.daily is None else max(self.limits.daily - self.daily_used, 0)

    @property
    def monthly_remaining(self) -> int | None:
        return None if self.limits.monthly is None else max(self.limits.monthly - self.monthly_used, 0)

    @property
    def remaining(self) -> int | None:
        """The most the wallet may still send now (the smaller of the two), None when unlimited."""
        left = [r for r in (self.daily_remaining, self.monthly_remaining) if r is not None]
        return min(left) if left else None


def allowance(own: Limits, defaults: Limits, usage: OutgoingUsage, at: datetime) -> Allowance:
    daily_used, monthly_used = usage.used(at)
    return Allowance(own.over(defaults), daily_used, monthly_used)


def ensure_within_limits(wallet_id: str, currency: str, current: Allowance, amount: int) -> None:
    """Raises LimitExceeded (with the remaining allowance) when sending `amount` more would exceed a limit."""
    daily, monthly = current.limits.daily, current.limits.monthly
    if daily is not None and current.daily_used + amount > daily:
        exceeded = "daily"
    elif monthly is not None and current.monthly_used + amount > monthly:
        exceeded = "monthly"
    else:
        return
    raise LimitExceeded(
        f"wallet {wallet_id} may send {current.remaining} more {currency} minor units now ({exceeded} limit)",
        wallet_id=wallet_id,
        limit=exceeded,
        currency=currency,
        remaining=current.remaining,
        daily_remaining=current.daily_remaining,
        monthly_remaining=current.monthly_remaining,
    )


class LimitPolicy:
    """Default outgoing limits per currency code (currencies not named are unlimited)."""

    def __init__(self, defaults: Mapping[str, Limits] | None = None) -> None:
        self.defaults: Mapping[str, Limits] = MappingProxyType(dict(defaults or {}))

    def for_currency(self, code: str) -> Limits:
        return self.defaults.get(code, Limits())

    @classmethod
    def parse(cls, text: str) -> LimitPolicy:
        """`USD:daily=1000000,monthly=5000000;EUR:daily=500000` (minor units; either period may be left
        out). Raises ValueError describing the first problem."""
        defaults: dict[str, Limits] = {}
        for raw in filter(None, (part.strip() for part in text.split(";"))):
            entry = _ENTRY.match(raw)
            if entry is None or exponent_of(entry["currency"]) is None:
                raise ValueError(f"{raw!r} is not CURRENCY:daily=N,monthly=N with a supported currency")
            values: dict[str, int] = {}
            for item in (piece.strip() for piece in entry["limits"].split(",")):
                limit = _LIMIT.match(item)
                if limit is None or limit["period"] in values:
                    raise ValueError(f"{item!r} in {raw!r} is not daily=N or monthly=N (once each)")
                values[limit["period"]] = int(limit["amount"])
            if entry["currency"] in defaults:
                raise ValueError(f"{entry['currency']} is configured twice")
            defaults[entry["currency"]] = Limits(values.get("daily"), values.get("monthly"))
        return cls(defaults)
