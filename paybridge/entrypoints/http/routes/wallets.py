"""Wallets and their ledger entries."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.entrypoints.http import presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API, page_request, path_uuid


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    open_wallet = container.open_wallet()
    get_wallet = container.get_wallet()
    list_wallets = container.list_wallets()
    list_entries = container.list_wallet_entries()

    async def create(request: Request) -> Response:
        principal = authenticate(request, tokens)
        body = await read_json(request, "OpenWallet", max_bytes)
        wallet = await open_wallet(principal, body["currency"])
        return json_response(
            presenters.wallet(wallet), 201, headers={"Location": f"{API}/wallets/{wallet.id}"}
        )

    async def index(request: Request) -> Response:
        principal = authenticate(request, tokens)
        page = await list_wallets(principal, page_request(request))
        return json_response(presenters.page(page, presenters.wallet))

    async def show(request: Request) -> Response:
        principal = authenticate(request, tokens)
        wallet = await get_wallet(principal, path_uuid(request, "wallet_id"))
        return json_response(presenters.wallet(wallet))

    async def entries(request: Request) -> Response:
        principal = authenticate(request, tokens)
        page = await list_entries(principal, path_uuid(request, "wallet_id"), page_request(request))
        return json_response(presenters.page(page, presenters.entry))

    return [
        Route(f"{API}/wallets", create, methods=["POST"], name="open_wallet"),
        Route(f"{API}/wallets", index, methods=["GET"], name="list_wallets"),
        Route(f"{API}/wallets/{{wallet_id:uuid}}", show, methods=["GET"], name="get_wallet"),
        Route(
            f"{API}/wallets/{{wallet_id:uuid}}/entries", entries, methods=["GET"], name="list_wallet_entries"
        ),
    ]
