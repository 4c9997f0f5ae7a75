"""Building blocks shared by the request and response JSON Schemas (2020-12): the common field schemas,
the enumerations the OpenAPI description also uses for query parameters, the object builders and the
keyset-paginated list envelope (`list_of`)."""

from __future__ import annotations

from typing import Any

from paybridge.domain.money import MAX_AMOUNT

Schema = dict[str, Any]

UUID: Schema = {"type": "string", "format": "uuid"}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
CURRENCY: Schema = {
    "type": "string",
    "pattern": "^[A-Z]{3,5}$",
    "description": "ISO 4217 code (or BTC, ETH, USDT, USDC); see docs/currencies.md",
    "examples": ["USD"],
}
RATE: Schema = {
    "type": "string",
    "pattern": "^[0-9]{1,12}(\\.[0-9]{1,18})?$",
    "description": "exact decimal: major units of the quote currency one major unit of the base buys",
    "examples": ["149.25"],
}
TRANSACTION_TYPES = ["DEPOSIT", "WITHDRAWAL", "TRANSFER", "HOLD", "REVERSAL", "EXCHANGE"]
HOLD_STATUSES = ["PENDING", "CAPTURED", "VOIDED", "EXPIRED"]


def nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def closed(properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": list(properties)}


def list_of(item: str) -> Schema:
    return closed(
        {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "next_cursor": nullable({"type": "string"}),
            "has_more": {"type": "boolean"},
        }
    )


LIMIT: Schema = nullable(
    {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT, "description": "minor units; null: the default"}
)
