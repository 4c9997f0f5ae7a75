"""Registration, tokens and the caller's profile."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.entrypoints.http import presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    register_user = container.register_user()
    issue_token = container.issue_token()
    get_profile = container.get_profile()

    async def register(request: Request) -> Response:
        body = await read_json(request, "RegisterUser", max_bytes)
        user = await register_user(body["email"], body["full_name"], body["password"])
        return json_response(presenters.user(user), 201, headers={"Location": f"{API}/users/{user.id}"})

    async def token(request: Request) -> Response:
        body = await read_json(request, "TokenRequest", max_bytes)
        client = request.client.host if request.client else None  # as resolved by TrustedProxyMiddleware
        issued = await issue_token(body["email"], body["password"], client=client)
        return json_response(presenters.token(issued))

    async def me(request: Request) -> Response:
        principal = authenticate(request, tokens)
        return json_response(presenters.user(await get_profile(principal)))

    return [
        Route(f"{API}/users", register, methods=["POST"], name="register_user"),
        Route(f"{API}/users/me", me, methods=["GET"], name="get_profile"),
        Route(f"{API}/auth/token", token, methods=["POST"], name="issue_token"),
    ]
