"""Fixtures of the security tests (issue 7): Redis for the shared rate limiter, and in-process apps on
PostgreSQL built with the security settings a test chooses (small limits, trusted proxies, CORS, keys)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.app import create_app
from tests.support.containers import GENEROUS_SECURITY, make_container
from tests.support.redis_server import RedisUnavailableError, provision_redis


@dataclass
class Harness:
    """The real app (one container) on the session's database; `http` connects from `client`."""

    app: Starlette
    container: Container
    http: httpx.AsyncClient

    def connect(self, client: tuple[str, int], scheme: str = "http") -> httpx.AsyncClient:
        """Another client of the same app, from another address."""
        transport = httpx.ASGITransport(app=self.app, client=client)
        return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://paybridge.test")


AppClient = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    failure: str | None = None
    try:
        with provision_redis() as url:
            yield url
    except RedisUnavailableError as exc:
        failure = str(exc)
    if failure is not None:  # outside `except`: the report is the message, not a chained traceback
        pytest.fail(failure, pytrace=False)


@pytest.fixture
def app_client(migrated_database_url: str) -> AppClient:
    """`async with app_client(rate_per_ip=Rate(3, 60), client=("203.0.113.7", 4000)) as h:` the real app on
    the session's database with `GENEROUS_SECURITY` changed as given (`settings=` overrides other Settings
    fields); `h.http` connects from `client`."""

    @asynccontextmanager
    async def build(
        client: tuple[str, int] = ("127.0.0.1", 50_000),
        settings: dict[str, Any] | None = None,
        **security: Any,
    ) -> AsyncIterator[Harness]:
        container = make_container(
            "postgres",
            migrated_database_url,
            security=replace(GENEROUS_SECURITY, **security),
            **(settings or {}),
        )
        app = create_app(container)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=client)
            async with httpx.AsyncClient(transport=transport, base_url="http://paybridge.test") as http:
                yield Harness(app, container, http)

    return build
