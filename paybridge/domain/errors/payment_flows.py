"""Errors of the payment flows beyond plain transfers: holds (place, capture, void, expiry), reversals and
currency exchange with quotes."""

from __future__ import annotations

from paybridge.domain.errors.base import (
    BusinessRuleViolation,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)


class HoldNotFound(NotFound):
    code = "hold_not_found"
    title = "Hold not found"


class HoldNotPending(BusinessRuleViolation):
    code = "hold_not_pending"
    title = "The hold was already captured, voided or expired"


class HoldExpired(BusinessRuleViolation):
    code = "hold_expired"
    title = "The hold has expired"


class CaptureExceedsHold(BusinessRuleViolation):
    code = "capture_exceeds_hold"
    title = "The capture is larger than the held amount"


class InvalidHoldExpiry(ValidationFailed):
    code = "invalid_hold_expiry"
    title = "Invalid hold expiry"


class NotReversible(BusinessRuleViolation):
    code = "not_reversible"
    title = "This transaction cannot be reversed"


class ReversalExceedsAmount(BusinessRuleViolation):
    code = "reversal_exceeds_amount"
    title = "The reversal exceeds what is left to reverse"


class ReversalNotPermitted(PermissionDenied):
    code = "reversal_not_permitted"
    title = "Only administrators, or the sender of a transfer, may reverse it"


class ReversalWindowClosed(PermissionDenied):
    code = "reversal_window_closed"
    title = "The time to reverse this transfer has passed"


class InvalidExchangeRate(ValidationFailed):
    code = "invalid_rate"
    title = "Invalid exchange rate"


class ExchangeRateUnavailable(BusinessRuleViolation):
    code = "rate_unavailable"
    title = "No exchange rate for this currency pair"


class SameCurrency(BusinessRuleViolation):
    code = "same_currency"
    title = "An exchange needs wallets of two different currencies"


class ExchangeAmountInvalid(BusinessRuleViolation):
    code = "exchange_amount_invalid"
    title = "The converted amount would be zero or too large"


class QuoteNotFound(NotFound):
    code = "quote_not_found"
    title = "Quote not found"


class QuoteExpired(BusinessRuleViolation):
    code = "quote_expired"
    title = "The quote has expired"


class QuoteUsed(BusinessRuleViolation):
    code = "quote_used"
    title = "The quote was already used"


class QuoteMismatch(BusinessRuleViolation):
    code = "quote_mismatch"
    title = "The quote is for other currencies"
