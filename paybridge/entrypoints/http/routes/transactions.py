"""Transaction history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.domain.errors import FieldError, ValidationFailed
from paybridge.domain.transactions import TransactionType
from paybridge.entrypoints.http import presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import query_uuid, query_value
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API, page_request, path_uuid


def _type_filter(request: Request) -> TransactionType | None:
    raw = query_value(request, "type")
    if raw is None:
        return None
    try:
        return TransactionType(raw.upper())
    except ValueError:
        allowed = ", ".join(t.value for t in TransactionType)
        raise ValidationFailed(
            "unknown transaction type", errors=[FieldError("type", f"must be one of {allowed}")]
        ) from None


def routes(container: Container) -> list[Route]:
    tokens = container.tokens()
    get_transaction = container.get_transaction()
    list_transactions = container.list_transactions()

    async def index(request: Request) -> Response:
        principal = authenticate(request, tokens)
        page = await list_transactions(
            principal, page_request(request), query_uuid(request, "wallet_id"), _type_filter(request)
        )
        return json_response(presenters.page(page, presenters.transaction))

    async def show(request: Request) -> Response:
        principal = authenticate(request, tokens)
        txn = await get_transaction(principal, path_uuid(request, "transaction_id"))
        return json_response(presenters.transaction(txn))

    return [
        Route(f"{API}/transactions", index, methods=["GET"], name="list_transactions"),
        Route(f"{API}/transactions/{{transaction_id:uuid}}", show, methods=["GET"], name="get_transaction"),
    ]
