"""Ambient request context (correlation id, request id, user id, trace id) carried in contextvars.

The HTTP middleware sets it; log formatters and the outbox read it, so code deep in a use case or adapter
gets the ids without passing them around.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    correlation_id: str | None = None
    user_id: str | None = None
    trace_id: str | None = None


_current: ContextVar[RequestContext] = ContextVar("paybridge_request_context", default=RequestContext())  # noqa: B039 (frozen)


def current_context() -> RequestContext:
    return _current.get()


def enter_context(context: RequestContext) -> Token[RequestContext]:
    return _current.set(context)


def exit_context(token: Token[RequestContext]) -> None:
    _current.reset(token)


def bind_user(user_id: str) -> None:
    _current.set(replace(_current.get(), user_id=user_id))
