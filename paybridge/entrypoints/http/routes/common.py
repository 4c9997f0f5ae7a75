"""Helpers shared by the route modules."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request

from paybridge.application.pagination import decode_cursor, parse_limit
from paybridge.application.ports.storage import PageRequest

API = "/api/v1"


def page_request(request: Request) -> PageRequest:
    cursor = request.query_params.get("cursor")
    after = decode_cursor(cursor) if cursor else None
    return PageRequest(limit=parse_limit(request.query_params.get("limit")), after=after)


def path_uuid(request: Request, name: str) -> UUID:
    value = request.path_params[name]
    return value if isinstance(value, UUID) else UUID(str(value))
