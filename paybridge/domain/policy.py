"""The configurable rules of moving money, in one value the composition root builds from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from paybridge.domain.limits import LimitPolicy, Limits
from paybridge.domain.money import Currency


@dataclass(frozen=True, slots=True)
class PaymentPolicy:
    kyc_required_for_outgoing: bool = True
    """Withdrawals, transfers, exchanges and holds need the acting user to be KYC VERIFIED; receiving never."""
    limits: LimitPolicy = field(default_factory=LimitPolicy)
    """Default outgoing limits per currency."""
    reversal_window: timedelta = timedelta(hours=1)
    """How long after completion the sender of a transfer may reverse it (administrators: any time)."""
    hold_default_ttl: timedelta = timedelta(days=7)
    hold_max_ttl: timedelta = timedelta(days=30)
    quote_ttl: timedelta = timedelta(seconds=60)

    def limit_defaults(self, currency: Currency) -> Limits:
        return self.limits.for_currency(currency.code)
