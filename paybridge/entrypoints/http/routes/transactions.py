"""Transaction history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.domain.transactions import TransactionType
from paybridge.entrypoints.http import presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import query_enum, query_uuid
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API, page_request, path_uuid


def routes(container: Container) -> list[Route]:
    tokens = container.tokens()
    get_transaction = container.get_transaction()
    list_transactions = container.list_transactions()

    async def index(request: Request) -> Response:
        principal = authenticate(request, tokens)
        page = await list_transactions(
            principal,
            page_request(request),
            query_uuid(request, "wallet_id"),
            query_enum(request, "type", TransactionType, "transaction type"),
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
