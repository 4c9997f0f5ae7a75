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
            "version": {"type": "integer"},
            "created_at": _timestamp,
            "updated_at": _timestamp,
        }
    ),
    "Transaction": _closed(
        {
            "id": _uuid,
            "type": {"type": "string", "enum": ["DEPOSIT", "WITHDRAWAL", "TRANSFER"]},
            "status": {"type": "string", "enum": ["PENDING", "COMPLETED", "FAILED", "CANCELLED"]},
            "amount": {"type": "integer", "minimum": 1, "description": "minor units"},
            "currency": _currency,
            "source_wallet_id": _nullable(_uuid),
            "destination_wallet_id": _nullable(_uuid),
            "reference": _nullable({"type": "string"}),
            "description": _nullable({"type": "string"}),
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "created_at": _timestamp,
            "completed_at": _nullable(_timestamp),
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
}


def list_of(item: str) -> Schema:
    return _closed(
        {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "next_cursor": _nullable({"type": "string"}),
            "has_more": {"type": "boolean"},
        }
    )
