"""Currency exchange: quotes (201) and exchanges between two of the caller's wallets (201, the EXCHANGE
transaction; Idempotency-Key required). Administrators maintain the rates under /admin (routes/admin.py)."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.application.use_cases.exchanges import ExchangeCommand
from paybridge.bootstrap import Container
from paybridge.entrypoints.http import flow_presenters, presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import idempotency_key, read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    quote_exchange, exchange_currency = container.quote_exchange(), container.exchange_currency()

    async def quote(request: Request) -> Response:
        principal = authenticate(request, tokens)
        body = await read_json(request, "QuoteExchange", max_bytes)
        result = await quote_exchange(
            principal, body["source_currency"], body["destination_currency"], body.get("amount")
        )
        return json_response(flow_presenters.quote(result), 201)

    async def exchange(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "Exchange", max_bytes)
        command = ExchangeCommand(
            source_wallet_id=UUID(body["source_wallet_id"]),
            destination_wallet_id=UUID(body["destination_wallet_id"]),
            amount=body["amount"],
            quote_id=UUID(body["quote_id"]) if "quote_id" in body else None,
            description=body.get("description"),
        )
        result = await exchange_currency(principal, command, key)
        headers = {"Location": f"{API}/transactions/{result.transaction.id}"}
        if result.replayed:
            headers["Idempotent-Replayed"] = "true"
        return json_response(presenters.transaction(result.transaction), 201, headers=headers)

    return [
        Route(f"{API}/exchanges/quotes", quote, methods=["POST"], name="quote_exchange"),
        Route(f"{API}/exchanges", exchange, methods=["POST"], name="exchange"),
    ]
