"""JSON encoding for responses: orjson, with the standard library as the fallback for integers beyond
64 bits (balances are arbitrary-precision integers)."""

from __future__ import annotations

import json as stdlib_json
from typing import Any

import orjson
from starlette.responses import Response


def dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except (TypeError, orjson.JSONEncodeError):
        return stdlib_json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, headers=headers, media_type="application/json")
