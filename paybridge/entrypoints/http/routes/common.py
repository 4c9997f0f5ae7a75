"""Helpers shared by the route modules."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request

from paybridge.application.pagination import decode_cursor, parse_limit
from paybridge.application.ports.storage import PageRequest
from paybridge.entrypoints.http.body import query_value

API = "/api/v1"


def page_request(request: Request) -> PageRequest:
    cursor = query_value(request, "cursor")
    after = None if cursor is None else decode_cursor(cursor)
    return PageRequest(limit=parse_limit(query_value(request, "limit")), after=after)


def path_uuid(request: Request, name: str) -> UUID:
    value = request.path_params[name]
    return value if isinstance(value, UUID) else UUID(str(value))
