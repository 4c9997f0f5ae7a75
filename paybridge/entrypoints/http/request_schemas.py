"""JSON Schemas (2020-12) of request bodies, by name. One source for both the validator (body.py) and the
OpenAPI description, so the documentation cannot drift from what the service accepts."""

from __future__ import annotations

from paybridge.domain.money import MAX_AMOUNT
from paybridge.entrypoints.http.schema_parts import CURRENCY, LIMIT, RATE, TIMESTAMP, UUID, Schema

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
_reason: Schema = {"type": "string", "minLength": 1, "maxLength": 500}


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
    "OpenWallet": _object({"currency": CURRENCY}, ["currency"]),
    "Deposit": _object(
        {
            "wallet_id": UUID,
            "amount": _amount,
            "currency": CURRENCY,
            "reference": _reference,
            "description": _text,
            "metadata": _metadata,
        },
        ["wallet_id", "amount", "currency"],
    ),
    "Transfer": _object(
        {
            "source_wallet_id": UUID,
            "destination_wallet_id": UUID,
            "amount": _amount,
            "currency": CURRENCY,
            "description": _text,
            "metadata": _metadata,
        },
        ["source_wallet_id", "destination_wallet_id", "amount", "currency"],
    ),
}
REQUESTS["Withdrawal"] = REQUESTS["Deposit"]

# --- payment flows: holds, reversals, exchange, KYC, wallet administration, limits ----------------------

REQUESTS.update(
    {
        "PlaceHold": _object(
            {
                "wallet_id": UUID,
                "amount": _amount,
                "currency": CURRENCY,
                "destination_wallet_id": UUID,
                "expires_at": {**TIMESTAMP, "description": "RFC 3339; or ttl_seconds; default 7 days"},
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
            {"source_currency": CURRENCY, "destination_currency": CURRENCY, "amount": _amount},
            ["source_currency", "destination_currency"],
        ),
        "Exchange": _object(
            {
                "source_wallet_id": UUID,
                "destination_wallet_id": UUID,
                "amount": {**_amount, "description": "minor units of the source wallet's currency"},
                "quote_id": UUID,
                "description": _text,
            },
            ["source_wallet_id", "destination_wallet_id", "amount"],
        ),
        "SetExchangeRate": _object({"rate": RATE}, ["rate"]),
        "SubmitKyc": _object({}, []),
        "DecideKyc": _object(
            {"decision": {"type": "string", "enum": ["VERIFIED", "REJECTED"]}, "reason": _reason},
            ["decision"],
        ),
        "ChangeWalletStatus": _object({"reason": _reason}, []),
        "SetWalletLimits": _object({"daily": LIMIT, "monthly": LIMIT}, ["daily", "monthly"]),
    }
)
