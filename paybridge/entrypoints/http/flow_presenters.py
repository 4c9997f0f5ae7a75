"""Response bodies of the payment flows (holds, quotes, rates, limits, balance history), in the shapes
documented in response_schemas.RESPONSES."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paybridge.application.use_cases.exchanges import QuoteResult
from paybridge.domain.exchange import ExchangeRate
from paybridge.domain.flow_events import rate_text
from paybridge.domain.holds import Hold
from paybridge.domain.limits import Allowance
from paybridge.domain.wallets import Wallet
from paybridge.entrypoints.http.presenters import timestamp


def hold(h: Hold) -> dict[str, Any]:
    return {
        "id": str(h.id),
        "status": h.status.value,
        "wallet_id": str(h.wallet_id),
        "destination_wallet_id": None if h.destination_wallet_id is None else str(h.destination_wallet_id),
        "amount": h.amount.amount,
        "currency": h.amount.currency.code,
        "captured_amount": h.captured_amount,
        "expires_at": timestamp(h.expires_at),
        "created_at": timestamp(h.created_at),
        "updated_at": timestamp(h.updated_at),
    }


def quote(q: QuoteResult) -> dict[str, Any]:
    return {
        "quote_id": str(q.quote.id),
        "source_currency": q.quote.source.code,
        "destination_currency": q.quote.destination.code,
        "rate": rate_text(q.quote.rate),
        "source_amount": None if q.source_amount is None else q.source_amount.amount,
        "destination_amount": None if q.destination_amount is None else q.destination_amount.amount,
        "created_at": timestamp(q.quote.created_at),
        "expires_at": timestamp(q.quote.expires_at),
    }


def rate(r: ExchangeRate) -> dict[str, Any]:
    return {
        "base_currency": r.base.code,
        "quote_currency": r.quote.code,
        "rate": rate_text(r.rate),
        "updated_at": timestamp(r.updated_at),
    }


def limits(w: Wallet, current: Allowance) -> dict[str, Any]:
    return {
        "wallet_id": str(w.id),
        "currency": w.currency.code,
        "daily": {
            "limit": current.limits.daily,
            "used": current.daily_used,
            "remaining": current.daily_remaining,
        },
        "monthly": {
            "limit": current.limits.monthly,
            "used": current.monthly_used,
            "remaining": current.monthly_remaining,
        },
        "own_limits": {"daily": w.limits.daily, "monthly": w.limits.monthly},
    }


def balance(w: Wallet, amount: int, at: datetime) -> dict[str, Any]:
    moment = timestamp(at.astimezone(UTC))
    return {"wallet_id": str(w.id), "currency": w.currency.code, "balance": amount, "at": moment}
