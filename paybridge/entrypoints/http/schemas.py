"""JSON Schemas (2020-12) of request and response bodies. One source for both the validator and the
OpenAPI description, so the documentation cannot drift from what the service accepts."""

from __future__ import annotations

from typing import Any

MAX_AMOUNT = 10**18
Schema = dict[str, Any]

_uuid: Schema = {"type": "string", "format": "uuid"}
_timestamp: Schema = {"type": "string", "format": "date-time"}
_currency: Schema = {
    "type": "string",
    "pattern": "^[A-Z]{3,5}$",
    "description": "ISO 4217 code (or BTC, ETH, USDT, USDC); see docs/currencies.md",
    "examples": ["USD"],
}
_amount: Schema = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_AMOUNT,
    "description": "Integer amount in minor units of the currency (10050 USD is $100.50)",
}
_metadata: Schema = {
    "type": "object",
    "maxProperties": 20,
    "propertyNames": {"minLength": 1, "maxLength": 64},
    "additionalProperties": {"type": "string", "maxLength": 500},
    "description": "Up to 20 string key/value pairs",
}
_text = {"type": "string", "maxLength": 500}
_rate: Schema = {
    "type": "string",
    "pattern": "^[0-9]{1,12}(\\.[0-9]{1,18})?$",
    "description": "exact decimal: major units of the quote currency one major unit of the base buys",
    "examples": ["149.25"],
}
TRANSACTION_TYPES = ["DEPOSIT", "WITHDRAWAL", "TRANSFER", "HOLD", "REVERSAL", "EXCHANGE"]
HOLD_STATUSES = ["PENDING", "CAPTURED", "VOIDED", "EXPIRED"]
_reference = {"type": "string", "minLength": 1, "maxLength": 255}


def _object(properties: Schema, required: list[str]) -> Schema:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


REQUESTS: dict[str, Schema] = {
    "RegisterUser": _object(
        {
            "email": {"type": "string", "minLength": 3, "maxLength": 254, "examples": ["ada@example.com"]},
            "full_name": {"type": "string", "minLength": 1, "maxLength": 200},
            "password": {"type": "string", "minLength": 8, "maxLength": 256, "writeOnly": True},
        },
        ["email", "full_name", "password"],
    ),
    "TokenRequest": _object(
        {
            "email": {"type": "string", "minLength": 1, "maxLength": 254},
            "password": {"type": "string", "minLength": 1, "maxLength": 256, "writeOnly": True},
        },
        ["email", "password"],
    ),
    "OpenWallet": _object({"currency": _currency}, ["currency"]),
    "Deposit": _object(
        {
            "wallet_id": _uuid,
            "amount": _amount,
            "currency": _currency,
            "reference": _reference,
            "description": _text,
            "metadata": _metadata,
        },
        ["wallet_id", "amount", "currency"],
    ),
    "Transfer": _object(
        {
            "source_wallet_id": _uuid,
            "destination_wallet_id": _uuid,
            "amount": _amount,
            "currency": _currency,
            "description": _text,
            "metadata": _metadata,
        },
        ["source_wallet_id", "destination_wallet_id", "amount", "currency"],
    ),
}
REQUESTS["Withdrawal"] = REQUESTS["Deposit"]


def _nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def _closed(properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": list(properties)}


RESPONSES: dict[str, Schema] = {
    "User": _closed(
        {
            "id": _uuid,
            "email": {"type": "string"},
            "full_name": {"type": "string"},
            "role": {"type": "string", "enum": ["user", "admin"]},
            "kyc_status": {"type": "string", "enum": ["UNVERIFIED", "PENDING", "VERIFIED", "REJECTED"]},
            "created_at": _timestamp,
        }
    ),
    "Token": _closed(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["bearer"]},
            "expires_in": {"type": "integer", "description": "seconds"},
        }
    ),
    "Wallet": _closed(
        {
            "id": _uuid,
            "user_id": _uuid,
            "currency": _currency,
            "status": {"type": "string", "enum": ["ACTIVE", "SUSPENDED", "CLOSED"]},
            "balance": {"type": "integer", "minimum": 0, "description": "minor units"},
            "held": {
                "type": "integer",
                "minimum": 0,
                "description": "reserved by pending holds, minor units",
            },
            "available": {"type": "integer", "minimum": 0, "description": "balance - held: what can be sent"},
            "version": {"type": "integer"},
            "created_at": _timestamp,
            "updated_at": _timestamp,
        }
    ),
    "Transaction": _closed(
        {
            "id": _uuid,
            "type": {"type": "string", "enum": TRANSACTION_TYPES},
            "status": {"type": "string", "enum": ["PENDING", "COMPLETED", "FAILED", "CANCELLED", "EXPIRED"]},
            "amount": {"type": "integer", "minimum": 1, "description": "minor units"},
            "currency": _currency,
            "source_wallet_id": _nullable(_uuid),
            "destination_wallet_id": _nullable(_uuid),
            "reference": _nullable({"type": "string"}),
            "description": _nullable({"type": "string"}),
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "created_at": _timestamp,
            "completed_at": _nullable(_timestamp),
            "reversed_amount": {
                "type": "integer",
                "minimum": 0,
                "description": "how much later REVERSAL transactions gave back, minor units",
            },
            "original_transaction_id": _nullable(_uuid),
            "exchange": _nullable(
                _closed(
                    {
                        "rate": _rate,
                        "destination_amount": {"type": "integer", "minimum": 1, "description": "minor units"},
                        "destination_currency": _currency,
                    }
                )
            ),
        }
    ),
    "LedgerEntry": _closed(
        {
            "id": {"type": "integer"},
            "transaction_id": _uuid,
            "wallet_id": _uuid,
            "direction": {"type": "string", "enum": ["DEBIT", "CREDIT"]},
            "amount": {"type": "integer", "minimum": 1, "description": "minor units"},
            "currency": _currency,
            "balance_after": {"type": "integer", "description": "wallet balance after this entry"},
            "created_at": _timestamp,
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
            "request_id": _nullable({"type": "string"}),
            "errors": {
                "type": "array",
                "items": _closed({"field": {"type": "string"}, "message": {"type": "string"}}),
            },
        },
    },
    "Liveness": _closed({"status": {"type": "string", "enum": ["alive"]}}),
    "Readiness": _closed(
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
    "HealthDetailed": _closed(
        {
            "status": {"type": "string", "enum": ["healthy", "unhealthy"]},
            "version": {"type": "string"},
            "uptime_seconds": {"type": "number", "minimum": 0},
            "draining": {"type": "boolean"},
            "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            "pool": _nullable(
                _closed(
                    {
                        k: {"type": "integer", "minimum": 0}
                        for k in ("total", "idle", "in_use", "max", "waiting")
                    }
                )
            ),
            "migrations": _closed(
                {
                    "status": {"type": "string"},
                    "version": _nullable({"type": "string"}),
                    "pending": _nullable({"type": "array", "items": {"type": "string"}}),
                }
            ),
            "outbox": _nullable(
                _closed(
                    {
                        "pending": {"type": "integer", "minimum": 0},
                        "oldest_pending_age_seconds": _nullable({"type": "number", "minimum": 0}),
                        "dead": {"type": "integer", "minimum": 0},
                    }
                )
            ),
        }
    ),
}


def list_of(item: str) -> Schema:
    return _closed(
        {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "next_cursor": _nullable({"type": "string"}),
            "has_more": {"type": "boolean"},
        }
    )


# --- payment flows: holds, reversals, exchange, KYC, wallet administration, limits, balance history ----

_reason: Schema = {"type": "string", "minLength": 1, "maxLength": 500}
_limit: Schema = _nullable(
    {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT, "description": "minor units; null: the default"}
)

REQUESTS.update(
    {
        "PlaceHold": _object(
            {
                "wallet_id": _uuid,
                "amount": _amount,
                "currency": _currency,
                "destination_wallet_id": _uuid,
                "expires_at": {**_timestamp, "description": "RFC 3339; or ttl_seconds; default 7 days"},
                "ttl_seconds": {"type": "integer", "minimum": 1, "maximum": 31_536_000},
                "description": _text,
                "metadata": _metadata,
            },
            ["wallet_id", "amount", "currency"],
        ),
        "CaptureHold": _object(
            {"amount": {**_amount, "description": "at most the held amount; default all"}}, []
        ),
        "VoidHold": _object({"reason": _reason}, []),
        "ReverseTransaction": _object(
            {"amount": {**_amount, "description": "default: all that is left to reverse"}, "reason": _reason},
            ["reason"],
        ),
        "QuoteExchange": _object(
            {"source_currency": _currency, "destination_currency": _currency, "amount": _amount},
            ["source_currency", "destination_currency"],
        ),
        "Exchange": _object(
            {
                "source_wallet_id": _uuid,
                "destination_wallet_id": _uuid,
                "amount": {**_amount, "description": "minor units of the source wallet's currency"},
                "quote_id": _uuid,
                "description": _text,
            },
            ["source_wallet_id", "destination_wallet_id", "amount"],
        ),
        "SetExchangeRate": _object({"rate": _rate}, ["rate"]),
        "SubmitKyc": _object({}, []),
        "DecideKyc": _object(
            {"decision": {"type": "string", "enum": ["VERIFIED", "REJECTED"]}, "reason": _reason},
            ["decision"],
        ),
        "ChangeWalletStatus": _object({"reason": _reason}, []),
        "SetWalletLimits": _object({"daily": _limit, "monthly": _limit}, ["daily", "monthly"]),
    }
)

_period: Schema = _closed(
    {
        "limit": _nullable({"type": "integer", "minimum": 0}),
        "used": {
            "type": "integer",
            "minimum": 0,
            "description": "minor units the owner's withdrawals, transfers, exchanges and holds counted in this"
            " period, less what released holds and reversals of them gave back",
        },
        "remaining": _nullable({"type": "integer", "minimum": 0}),
    }
)

RESPONSES.update(
    {
        "Hold": _closed(
            {
                "id": {**_uuid, "description": "also the id of the hold's HOLD transaction"},
                "status": {"type": "string", "enum": HOLD_STATUSES},
                "wallet_id": _uuid,
                "destination_wallet_id": _nullable(_uuid),
                "amount": {"type": "integer", "minimum": 1, "description": "held (authorized), minor units"},
                "currency": _currency,
                "captured_amount": _nullable({"type": "integer", "minimum": 1}),
                "expires_at": _timestamp,
                "created_at": _timestamp,
                "updated_at": _timestamp,
            }
        ),
        "Quote": _closed(
            {
                "quote_id": _uuid,
                "source_currency": _currency,
                "destination_currency": _currency,
                "rate": _rate,
                "source_amount": _nullable({"type": "integer", "minimum": 1}),
                "destination_amount": _nullable({"type": "integer", "minimum": 1}),
                "created_at": _timestamp,
                "expires_at": _timestamp,
            }
        ),
        "ExchangeRate": _closed(
            {
                "base_currency": _currency,
                "quote_currency": _currency,
                "rate": _rate,
                "updated_at": _timestamp,
            }
        ),
        "WalletLimits": _closed(
            {
                "wallet_id": _uuid,
                "currency": _currency,
                "daily": _period,
                "monthly": _period,
                "own_limits": _closed({"daily": _limit, "monthly": _limit}),
            }
        ),
        "Balance": _closed(
            {"wallet_id": _uuid, "currency": _currency, "balance": {"type": "integer"}, "at": _timestamp}
        ),
    }
)
