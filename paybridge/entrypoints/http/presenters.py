"""Response bodies: plain JSON values (strings, integers) in the shapes documented in
response_schemas.RESPONSES."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from paybridge.application.pagination import encode_cursor
from paybridge.application.ports.security import IssuedToken
from paybridge.application.ports.storage import Page
from paybridge.domain.flow_events import rate_text
from paybridge.domain.transactions import LedgerEntry, Transaction
from paybridge.domain.users import User
from paybridge.domain.wallets import Wallet

T = TypeVar("T")


def timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _id(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def user(u: User) -> dict[str, Any]:
    return {
        "id": str(u.id),
        "email": u.email,
        "full_name": u.full_name,
        "role": u.role.value,
        "kyc_status": u.kyc_status.value,
        "created_at": timestamp(u.created_at),
    }


def token(t: IssuedToken) -> dict[str, Any]:
    return {"access_token": t.access_token, "token_type": t.token_type, "expires_in": t.expires_in}


def wallet(w: Wallet) -> dict[str, Any]:
    return {
        "id": str(w.id),
        "user_id": _id(w.user_id),
        "currency": w.currency.code,
        "status": w.status.value,
        "balance": w.balance,
        "held": w.held,
        "available": w.available,
        "version": w.version,
        "created_at": timestamp(w.created_at),
        "updated_at": timestamp(w.updated_at),
    }


def transaction(t: Transaction) -> dict[str, Any]:
    return {
        "id": str(t.id),
        "type": t.type.value,
        "status": t.status.value,
        "amount": t.amount.amount,
        "currency": t.amount.currency.code,
        "source_wallet_id": _id(t.source_wallet_id),
        "destination_wallet_id": _id(t.destination_wallet_id),
        "reference": t.reference,
        "description": t.description,
        "metadata": dict(t.metadata),
        "created_at": timestamp(t.created_at),
        "completed_at": timestamp(t.completed_at),
        "reversed_amount": t.reversed_amount,
        "original_transaction_id": _id(t.original_transaction_id),
        "exchange": None
        if t.exchange is None
        else {
            "rate": rate_text(t.exchange.rate),
            "destination_amount": t.exchange.destination_amount.amount,
            "destination_currency": t.exchange.destination_amount.currency.code,
        },
    }


def entry(e: LedgerEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "transaction_id": str(e.transaction_id),
        "wallet_id": str(e.wallet_id),
        "direction": "CREDIT" if e.amount > 0 else "DEBIT",
        "amount": abs(e.amount),
        "currency": e.currency.code,
        "balance_after": e.balance_after,
        "created_at": timestamp(e.created_at),
    }


def page(p: Page[T], render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": [render(item) for item in p.items],
        "next_cursor": None if p.next_position is None else encode_cursor(p.next_position),
        "has_more": p.has_more,
    }
