"""The caller's own account beyond profile and wallets: submitting KYC, a wallet's outgoing limits and its
balance at a past moment (`?at=` RFC 3339; default now)."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.domain.errors import FieldError, ValidationFailed
from paybridge.entrypoints.http import flow_presenters, presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import query_value, read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API, path_uuid


def rfc3339(raw: str, name: str) -> datetime:
    """An RFC 3339 date-time with an offset; ValidationFailed naming `name` otherwise."""
    try:
        value: datetime | None = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or "T" not in raw.upper():
        raise ValidationFailed(
            f"{name} is not an RFC 3339 time",
            errors=[FieldError(name, "must be an RFC 3339 date-time with offset")],
        )
    return value


def query_time(request: Request, name: str) -> datetime | None:
    raw = query_value(request, name)
    return None if raw is None else rfc3339(raw, name)


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    submit_kyc, get_limits, balance_at = (
        container.submit_kyc(),
        container.get_wallet_limits(),
        container.get_balance_at(),
    )

    async def kyc(request: Request) -> Response:
        principal = authenticate(request, tokens)
        await read_json(request, "SubmitKyc", max_bytes)
        return json_response(presenters.user(await submit_kyc(principal)))

    async def limits(request: Request) -> Response:
        principal = authenticate(request, tokens)
        wallet, current = await get_limits(principal, path_uuid(request, "wallet_id"))
        return json_response(flow_presenters.limits(wallet, current))

    async def balance(request: Request) -> Response:
        principal = authenticate(request, tokens)
        at = query_time(request, "at")
        wallet, amount, moment = await balance_at(principal, path_uuid(request, "wallet_id"), at)
        return json_response(flow_presenters.balance(wallet, amount, moment))

    wallet = f"{API}/wallets/{{wallet_id:uuid}}"
    return [
        Route(f"{API}/users/me/kyc", kyc, methods=["POST"], name="submit_kyc"),
        Route(f"{wallet}/limits", limits, methods=["GET"], name="get_wallet_limits"),
        Route(f"{wallet}/balance", balance, methods=["GET"], name="get_wallet_balance"),
    ]
