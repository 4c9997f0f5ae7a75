"""Administration: KYC decisions, the wallet lifecycle (suspend / activate / close), a wallet's own outgoing
limits and exchange rates. Every route needs an administrator's token (403 `admin_required` otherwise)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.domain.wallets import WalletStatus
from paybridge.entrypoints.http import flow_presenters, presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API, path_uuid

ADMIN = f"{API}/admin"
Endpoint = Callable[[Request], Awaitable[Response]]


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    decide_kyc, change_status = container.decide_kyc(), container.change_wallet_status()
    set_limits, get_limits = container.set_wallet_limits(), container.get_wallet_limits()
    set_rate = container.set_exchange_rate()

    async def kyc(request: Request) -> Response:
        principal = authenticate(request, tokens)
        body = await read_json(request, "DecideKyc", max_bytes)
        user = await decide_kyc(
            principal, path_uuid(request, "user_id"), body["decision"], body.get("reason")
        )
        return json_response(presenters.user(user))

    def lifecycle(target: WalletStatus) -> Endpoint:
        async def change(request: Request) -> Response:
            principal = authenticate(request, tokens)
            body = await read_json(request, "ChangeWalletStatus", max_bytes)
            wallet_id = path_uuid(request, "wallet_id")
            return json_response(
                presenters.wallet(await change_status(principal, wallet_id, target, body.get("reason")))
            )

        return change

    async def limits(request: Request) -> Response:
        principal = authenticate(request, tokens)
        body = await read_json(request, "SetWalletLimits", max_bytes)
        wallet_id = path_uuid(request, "wallet_id")
        await set_limits(principal, wallet_id, body["daily"], body["monthly"])
        wallet, current = await get_limits(principal, wallet_id)
        return json_response(flow_presenters.limits(wallet, current))

    async def rate(request: Request) -> Response:
        principal = authenticate(request, tokens)
        body = await read_json(request, "SetExchangeRate", max_bytes)
        params = request.path_params
        updated = await set_rate(principal, params["base"], params["quote"], body["rate"])
        return json_response(flow_presenters.rate(updated))

    wallet = f"{ADMIN}/wallets/{{wallet_id:uuid}}"
    return [
        Route(f"{ADMIN}/users/{{user_id:uuid}}/kyc", kyc, methods=["POST"], name="decide_kyc"),
        Route(
            f"{wallet}/suspend", lifecycle(WalletStatus.SUSPENDED), methods=["POST"], name="suspend_wallet"
        ),
        Route(f"{wallet}/activate", lifecycle(WalletStatus.ACTIVE), methods=["POST"], name="activate_wallet"),
        Route(f"{wallet}/close", lifecycle(WalletStatus.CLOSED), methods=["POST"], name="close_wallet"),
        Route(f"{wallet}/limits", limits, methods=["PUT"], name="set_wallet_limits"),
        Route(f"{ADMIN}/rates/{{base}}/{{quote}}", rate, methods=["PUT"], name="set_exchange_rate"),
    ]
