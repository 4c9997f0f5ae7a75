"""`POST /transactions/{id}/reverse`: a REVERSAL of all or part of a transaction (201, Idempotency-Key)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.application.use_cases.reversals import ReverseCommand
from paybridge.bootstrap import Container
from paybridge.entrypoints.http import presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import idempotency_key, read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API, path_uuid


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    reverse_transaction = container.reverse_transaction()

    async def reverse(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "ReverseTransaction", max_bytes)
        command = ReverseCommand(path_uuid(request, "transaction_id"), body["reason"], body.get("amount"))
        result = await reverse_transaction(principal, command, key)
        headers = {"Location": f"{API}/transactions/{result.transaction.id}"}
        if result.replayed:
            headers["Idempotent-Replayed"] = "true"
        return json_response(presenters.transaction(result.transaction), 201, headers=headers)

    return [
        Route(
            f"{API}/transactions/{{transaction_id:uuid}}/reverse",
            reverse,
            methods=["POST"],
            name="reverse_transaction",
        )
    ]
