"""Holds: place (201), read, list, capture and void (200, the hold as it now is). Placing, capturing and
voiding need an Idempotency-Key; a replay answers with the original status and body plus
`Idempotent-Replayed`. The list is keyset-paginated like the transaction list (`limit`, `cursor`) and filtered
by `wallet_id` and `status`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.application.idempotency import MovementResult
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.bootstrap import Container
from paybridge.domain.holds import HoldStatus
from paybridge.entrypoints.http import flow_presenters, presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import idempotency_key, query_enum, query_uuid, read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.account import rfc3339
from paybridge.entrypoints.http.routes.common import API, page_request, path_uuid


def hold_response(result: MovementResult, status: int) -> Response:
    if result.hold is None:  # pragma: no cover - hold use cases always return their hold
        raise RuntimeError("a hold operation returned no hold")
    headers = {"Location": f"{API}/holds/{result.hold.id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(flow_presenters.hold(result.hold), status, headers=headers)


def _optional_uuid(body: dict[str, Any], name: str) -> UUID | None:
    return UUID(body[name]) if name in body else None


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    place_hold, get_hold, list_holds = container.place_hold(), container.get_hold(), container.list_holds()
    capture_hold, void_hold = container.capture_hold(), container.void_hold()

    async def place(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "PlaceHold", max_bytes)
        expires = body.get("expires_at")
        command = PlaceHoldCommand(
            wallet_id=UUID(body["wallet_id"]),
            amount=body["amount"],
            currency=body["currency"],
            destination_wallet_id=_optional_uuid(body, "destination_wallet_id"),
            expires_at=None if expires is None else rfc3339(expires, "expires_at"),
            ttl_seconds=body.get("ttl_seconds"),
            description=body.get("description"),
            metadata=body.get("metadata"),
        )
        return hold_response(await place_hold(principal, command, key), 201)

    async def index(request: Request) -> Response:
        principal = authenticate(request, tokens)
        page = await list_holds(
            principal,
            page_request(request),
            query_uuid(request, "wallet_id"),
            query_enum(request, "status", HoldStatus, "hold status"),
        )
        return json_response(presenters.page(page, flow_presenters.hold))

    async def show(request: Request) -> Response:
        principal = authenticate(request, tokens)
        hold = await get_hold(principal, path_uuid(request, "hold_id"))
        return json_response(flow_presenters.hold(hold))

    async def capture(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "CaptureHold", max_bytes)
        result = await capture_hold(principal, path_uuid(request, "hold_id"), body.get("amount"), key)
        return hold_response(result, 200)

    async def void(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "VoidHold", max_bytes)
        result = await void_hold(principal, path_uuid(request, "hold_id"), body.get("reason"), key)
        return hold_response(result, 200)

    hold_path = f"{API}/holds/{{hold_id:uuid}}"
    return [
        Route(f"{API}/holds", place, methods=["POST"], name="place_hold"),
        Route(f"{API}/holds", index, methods=["GET"], name="list_holds"),
        Route(hold_path, show, methods=["GET"], name="get_hold"),
        Route(f"{hold_path}/capture", capture, methods=["POST"], name="capture_hold"),
        Route(f"{hold_path}/void", void, methods=["POST"], name="void_hold"),
    ]
