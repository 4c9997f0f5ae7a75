"""Bearer-token authentication for routes that need a principal."""

from __future__ import annotations

from starlette.requests import Request

from paybridge.application.context import bind_user
from paybridge.application.ports.security import Principal, TokenService
from paybridge.entrypoints.http.errors import MissingCredentials


def authenticate(request: Request, tokens: TokenService) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise MissingCredentials("send Authorization: Bearer <access token>")
    principal = tokens.verify(credentials.strip())
    bind_user(str(principal.user_id))
    request.scope.setdefault("state", {})["user_id"] = str(principal.user_id)
    return principal
