"""JSON Schemas (2020-12) of response bodies, by name. The presenters answer in these shapes and the OpenAPI
description publishes them (with `schema_parts.list_of` for the paginated lists)."""

from __future__ import annotations

from paybridge.entrypoints.http.schema_parts import (
    CURRENCY,
    HOLD_STATUSES,
    LIMIT,
    RATE,
    TIMESTAMP,
    TRANSACTION_TYPES,
    UUID,
    Schema,
    closed,
    nullable,
)

RESPONSES: dict[str, Schema] = {
    "User": closed(
        {
            "id": UUID,
            "email": {"type": "string"},
            "full_name": {"type": "string"},
            "role": {"type": "string", "enum": ["user", "admin"]},
            "kyc_status": {"type": "string", "enum": ["UNVERIFIED", "PENDING", "VERIFIED", "REJECTED"]},
            "created_at": TIMESTAMP,
        }
    ),
    "Token": closed(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["bearer"]},
            "expires_in": {"type": "integer", "description": "seconds"},
        }
    ),
    "Wallet": closed(
        {
            "id": UUID,
            "user_id": UUID,
            "currency": CURRENCY,
            "status": {"type": "string", "enum": ["ACTIVE", "SUSPENDED", "CLOSED"]},
            "balance": {"type": "integer", "minimum": 0, "description": "minor units"},
            "held": {
                "type": "integer",
                "minimum": 0,
                "description": "reserved by pending holds, minor units",
            },
            "available": {"type": "integer", "minimum": 0, "description": "balance - held: what can be sent"},
            "version": {"type": "integer"},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        }
    ),
    "Transaction": closed(
        {
            "id": UUID,
            "type": {"type": "string", "enum": TRANSACTION_TYPES},
            "status": {"type": "string", "enum": ["PENDING", "COMPLETED", "FAILED", "CANCELLED", "EXPIRED"]},
            "amount": {"type": "integer", "minimum": 1, "description": "minor units"},
            "currency": CURRENCY,
            "source_wallet_id": nullable(UUID),
            "destination_wallet_id": nullable(UUID),
            "reference": nullable({"type": "string"}),
            "description": nullable({"type": "string"}),
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "created_at": TIMESTAMP,
            "completed_at": nullable(TIMESTAMP),
            "reversed_amount": {
                "type": "integer",
                "minimum": 0,
                "description": "how much later REVERSAL transactions gave back, minor units",
            },
            "original_transaction_id": nullable(UUID),
            "exchange": nullable(
                closed(
                    {
                        "rate": RATE,
                        "destination_amount": {"type": "integer", "minimum": 1, "description": "minor units"},
                        "destination_currency": CURRENCY,
                    }
                )
            ),
        }
    ),
    "LedgerEntry": closed(
        {
            "id": {"type": "integer"},
            "transaction_id": UUID,
            "wallet_id": UUID,
            "direction": {"type": "string", "enum": ["DEBIT", "CREDIT"]},
            "amount": {"type": "integer", "minimum": 1, "description": "minor units"},
            "currency": CURRENCY,
            "balance_after": {"type": "integer", "description": "wallet balance after this entry"},
            "created_at": TIMESTAMP,
        }
    ),
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail", "code", "request_id"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "stable machine-readable error code"},
            "request_id": nullable({"type": "string"}),
            "errors": {
                "type": "array",
                "items": closed({"field": {"type": "string"}, "message": {"type": "string"}}),
            },
        },
    },
    "Liveness": closed({"status": {"type": "string", "enum": ["alive"]}}),
    "Readiness": closed(
        {
            "ready": {"type": "boolean"},
            "checks": {"type": "object", "additionalProperties": {"type": "string"}},
        }
    ),
    "Health": {
        "type": "object",
        "required": ["status", "version", "uptime_seconds"],
        "properties": {
            "status": {"type": "string", "enum": ["healthy", "unhealthy"]},
            "version": {"type": "string"},
            "uptime_seconds": {"type": "number", "minimum": 0},
            "checks": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "HealthDetailed": closed(
        {
            "status": {"type": "string", "enum": ["healthy", "unhealthy"]},
            "version": {"type": "string"},
            "uptime_seconds": {"type": "number", "minimum": 0},
            "draining": {"type": "boolean"},
            "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            "pool": nullable(
                closed(
                    {
                        k: {"type": "integer", "minimum": 0}
                        for k in ("total", "idle", "in_use", "max", "waiting")
                    }
                )
            ),
            "migrations": closed(
                {
                    "status": {"type": "string"},
                    "version": nullable({"type": "string"}),
                    "pending": nullable({"type": "array", "items": {"type": "string"}}),
                }
            ),
            "outbox": nullable(
                closed(
                    {
                        "pending": {"type": "integer", "minimum": 0},
                        "oldest_pending_age_seconds": nullable({"type": "number", "minimum": 0}),
                        "dead": {"type": "integer", "minimum": 0},
                    }
                )
            ),
        }
    ),
}


# --- payment flows: holds, exchange, limits, balance history ---------------------------------------------

_period: Schema = closed(
    {
        "limit": nullable({"type": "integer", "minimum": 0}),
        "used": {
            "type": "integer",
            "minimum": 0,
            "description": "minor units the owner's withdrawals, transfers, exchanges and holds counted in this"
            " period, less what released holds and reversals of them gave back",
        },
        "remaining": nullable({"type": "integer", "minimum": 0}),
    }
)

RESPONSES.update(
    {
        "Hold": closed(
            {
                "id": {**UUID, "description": "also the id of the hold's HOLD transaction"},
                "status": {"type": "string", "enum": HOLD_STATUSES},
                "wallet_id": UUID,
                "destination_wallet_id": nullable(UUID),
                "amount": {"type": "integer", "minimum": 1, "description": "held (authorized), minor units"},
                "currency": CURRENCY,
                "captured_amount": nullable({"type": "integer", "minimum": 1}),
                "expires_at": TIMESTAMP,
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
            }
        ),
        "Quote": closed(
            {
                "quote_id": UUID,
                "source_currency": CURRENCY,
                "destination_currency": CURRENCY,
                "rate": RATE,
                "source_amount": nullable({"type": "integer", "minimum": 1}),
                "destination_amount": nullable({"type": "integer", "minimum": 1}),
                "created_at": TIMESTAMP,
                "expires_at": TIMESTAMP,
            }
        ),
        "ExchangeRate": closed(
            {
                "base_currency": CURRENCY,
                "quote_currency": CURRENCY,
                "rate": RATE,
                "updated_at": TIMESTAMP,
            }
        ),
        "WalletLimits": closed(
            {
                "wallet_id": UUID,
                "currency": CURRENCY,
                "daily": _period,
                "monthly": _period,
                "own_limits": closed({"daily": LIMIT, "monthly": LIMIT}),
            }
        ),
        "Balance": closed(
            {"wallet_id": UUID, "currency": CURRENCY, "balance": {"type": "integer"}, "at": TIMESTAMP}
        ),
    }
)
