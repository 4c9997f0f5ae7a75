"""The OpenAPI 3.1 description, built from the app's own routes and the schemas the validator uses."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.middleware import QUIET_PATHS
from paybridge.entrypoints.http.openapi_flows import flow_operations
from paybridge.entrypoints.http.request_schemas import REQUESTS
from paybridge.entrypoints.http.response_schemas import RESPONSES
from paybridge.entrypoints.http.schema_parts import TRANSACTION_TYPES, list_of

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_RATE_LIMIT_HEADERS = {
    "Retry-After": "seconds until a retry may succeed",
    "RateLimit-Limit": "requests allowed per period",
    "RateLimit-Remaining": "requests left (0)",
    "RateLimit-Reset": "seconds until the whole quota is available again",
}
_PAGING = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
    {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string", "minLength": 1},
        "description": "next_cursor of the previous page",
    },
]
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"},
    "description": "Unique per intended operation (printable ASCII, no spaces); retries with the same key and "
    "body replay the outcome",
}

# route name -> (summary, request schema, success status, response schema, auth, extra parameters, errors)
OPERATIONS: dict[str, tuple[str, str | None, int, str, bool, list[dict[str, Any]], list[int]]] = {
    "live": ("Liveness probe (no I/O)", None, 200, "Liveness", False, [], []),
    "ready": ("Readiness probe (database ping within 2 s)", None, 200, "Readiness", False, [], [503]),
    "health": ("Health summary: version and uptime", None, 200, "Health", False, [], [503]),
    "health_detailed": (
        "Detailed health: checks, pool, migrations, outbox backlog",
        None,
        200,
        "HealthDetailed",
        False,
        [],
        [503],
    ),
    "register_user": ("Register a user", "RegisterUser", 201, "User", False, [], [400, 409]),
    "get_profile": ("The authenticated user", None, 200, "User", True, [], [401]),
    "issue_token": (
        "Exchange credentials for an access token",
        "TokenRequest",
        200,
        "Token",
        False,
        [],
        [400, 401],
    ),
    "open_wallet": ("Open a wallet in a currency", "OpenWallet", 201, "Wallet", True, [], [400, 401, 409]),
    "list_wallets": ("List wallets (own; admins: all)", None, 200, "WalletList", True, _PAGING, [400, 401]),
    "get_wallet": ("A wallet", None, 200, "Wallet", True, [], [401, 404]),
    "list_wallet_entries": (
        "A wallet's ledger entries, newest first",
        None,
        200,
        "LedgerEntryList",
        True,
        _PAGING,
        [400, 401, 404],
    ),
    "deposit": (
        "Record money arriving from outside (admin)",
        "Deposit",
        201,
        "Transaction",
        True,
        [_IDEMPOTENCY],
        [400, 401, 403, 404, 409, 422, 503],
    ),
    "withdraw": (
        "Withdraw from an own wallet",
        "Withdrawal",
        201,
        "Transaction",
        True,
        [_IDEMPOTENCY],
        [400, 401, 404, 409, 422, 503],
    ),
    "transfer": (
        "Transfer from an own wallet to another wallet of the same currency",
        "Transfer",
        201,
        "Transaction",
        True,
        [_IDEMPOTENCY],
        [400, 401, 404, 409, 422, 503],
    ),
    "list_transactions": (
        "Transactions touching the caller's wallets, newest first",
        None,
        200,
        "TransactionList",
        True,
        [
            *_PAGING,
            {"name": "wallet_id", "in": "query", "schema": {"type": "string", "format": "uuid"}},
            {
                "name": "type",
                "in": "query",
                "schema": {"type": "string", "enum": TRANSACTION_TYPES},
            },
        ],
        [400, 401, 404],
    ),
    "get_transaction": ("A transaction", None, 200, "Transaction", True, [], [401, 404]),
    "openapi": ("This OpenAPI description", None, 200, "OpenAPI", False, [], []),
    "metrics": (
        "Prometheus metrics (text format); a bearer token is required when PAYBRIDGE_METRICS_TOKEN is set",
        None,
        200,
        "Metrics",
        False,
        [],
        [401],
    ),
}
OPERATIONS.update(flow_operations(_IDEMPOTENCY, _PAGING))
_PATH_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_PROBES = frozenset({"ready", "health", "health_detailed"})


def _operation(route: Route, name: str) -> dict[str, Any]:
    summary, request, status, response, auth, parameters, errors = OPERATIONS[name]
    path_params = [
        {
            "name": p,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"} if convertor == "uuid" else {"type": "string"},
        }
        for p, convertor in _PATH_PARAM.findall(route.path)
    ]
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": summary,
        "parameters": path_params + parameters,
        "responses": {
            str(status): {
                "description": "Success",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{response}"}}},
            },
            **{str(code): {"description": "Problem", "content": _PROBLEM} for code in errors},
        },
    }
    if name == "openapi":
        operation["responses"]["200"]["content"] = {"application/json": {"schema": {"type": "object"}}}
    if name == "metrics":
        operation["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    if name in _PROBES:  # their 503 is the same document reporting the failure, not a problem
        operation["responses"]["503"] = {
            **operation["responses"]["200"],
            "description": "Not ready / unhealthy",
        }
    if route.path not in QUIET_PATHS:  # rate-limited (docs/api.md#rate-limits)
        operation["responses"]["429"] = {
            "description": "Rate limited; retry after Retry-After seconds",
            "content": _PROBLEM,
            "headers": {
                header: {"schema": {"type": "integer"}, "description": description}
                for header, description in _RATE_LIMIT_HEADERS.items()
            },
        }
    if request:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{request}"}}},
        }
        for code, why in ((413, "Body larger than PAYBRIDGE_MAX_BODY_BYTES"), (415, "Not application/json")):
            operation["responses"][str(code)] = {"description": why, "content": _PROBLEM}  # read_json_body
    if auth:
        operation["security"] = [{"bearer": []}]
    if _IDEMPOTENCY in parameters:
        operation["responses"][str(status)]["headers"] = {
            "Idempotent-Replayed": {
                "schema": {"type": "string"},
                "description": "true on a replayed response",
            }
        }
    return operation


def build_spec(routes: list[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route) or route.name not in OPERATIONS:
            continue
        path = _PATH_PARAM.sub(r"{\1}", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = _operation(route, route.name)
    schemas = {**REQUESTS, **RESPONSES}
    for item in ("Wallet", "Transaction", "LedgerEntry", "Hold"):
        schemas[f"{item}List"] = list_of(item)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PayBridge API",
            "version": "1.0.0",
            "description": (
                "Multi-currency wallets and a double-entry ledger. Amounts are integers in minor units."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def openapi_route(routes: list[BaseRoute]) -> Route:
    spec: dict[str, Any] = {}

    async def openapi(request: Request) -> Response:
        if not spec:
            spec.update(build_spec([*routes, route]))
        return json_response(spec)

    route = Route("/openapi.json", openapi, methods=["GET"], name="openapi")
    return route
