"""Why storage refused a posting. Storage re-checks every rule of a posting with the wallets locked (see
`Posting`); when one fails nothing is written and the locked state comes back, from which `explain_refusal`
names the broken rule with the same error the planning step would have raised."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from paybridge.domain.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    HoldNotPending,
    InsufficientFunds,
    KycRequired,
    LimitExceeded,
    PayBridgeError,
    QuoteExpired,
    QuoteUsed,
    ReversalExceedsAmount,
    WalletNotActive,
    WalletNotFound,
)
from paybridge.domain.limits import Limits, OutgoingUsage, allowance, ensure_within_limits
from paybridge.domain.transactions import Leg, Posting
from paybridge.domain.wallets import WalletStatus


@dataclass(frozen=True, slots=True)
class WalletState:
    """A wallet as storage saw it, locked, when it refused a posting."""

    status: WalletStatus
    balance: int
    is_system: bool
    currency: str
    held: int = 0
    limits: Limits = field(default_factory=Limits)
    usage: OutgoingUsage = field(default_factory=OutgoingUsage)


@dataclass(frozen=True, slots=True)
class RefusedConditions:
    """The posting's other preconditions as storage saw them (True: the condition held or did not apply)."""

    actor_verified: bool = True
    hold_pending: bool = True
    reversal_fits: bool = True
    quote_unused: bool = True
    quote_unexpired: bool = True


def explain_refusal(
    posting: Posting, states: Mapping[UUID, WalletState], conditions: RefusedConditions | None = None
) -> PayBridgeError:
    """The error that names the first broken rule: KYC, the linked hold / reversal / quote, then each leg's
    wallet (exists, currency, status, available funds, limits). ConcurrencyConflict if none is broken."""
    seen = conditions or RefusedConditions()
    if not seen.actor_verified:
        return KycRequired("the acting user's identity is not verified (KYC) for sending money")
    if not seen.hold_pending:
        return HoldNotPending("the hold is no longer pending", hold_id=str(posting.transaction.id))
    if not seen.reversal_fits:
        return ReversalExceedsAmount("the reversal exceeds what is left of the original transaction")
    if not seen.quote_unused:
        return QuoteUsed("the quote was already used for an exchange")
    if not seen.quote_unexpired:
        return QuoteExpired("the quote has expired; ask for a new one")
    for leg in posting.legs:
        error = _leg_error(posting, leg, states.get(leg.wallet_id))
        if error is not None:
            return error
    return ConcurrencyConflict("storage refused the posting although every wallet looked valid")


def _leg_error(posting: Posting, leg: Leg, state: WalletState | None) -> PayBridgeError | None:
    wallet_id = str(leg.wallet_id)
    if state is None:
        return WalletNotFound(f"wallet {leg.wallet_id} does not exist")
    if state.currency != leg.currency.code:
        return CurrencyMismatch(f"wallet {leg.wallet_id} holds {state.currency}", wallet_id=wallet_id)
    if state.status is not WalletStatus.ACTIVE and not leg.only_releases:
        return WalletNotActive(f"wallet {leg.wallet_id} is {state.status.value.lower()}", wallet_id=wallet_id)
    if state.is_system:
        return None
    if state.balance + leg.delta - (state.held + leg.held_delta) < 0 or state.held + leg.held_delta < 0:
        return InsufficientFunds(
            f"wallet {leg.wallet_id} has less than {-leg.delta + leg.held_delta} minor units available",
            wallet_id=wallet_id,
        )
    charge = leg.charge
    if charge is not None and charge.amount > 0:
        current = allowance(state.limits, charge.defaults, state.usage, charge.at)
        try:
            ensure_within_limits(wallet_id, leg.currency.code, current, charge.amount)
        except LimitExceeded as error:
            return error
    return None
