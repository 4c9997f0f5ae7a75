"""The contract suite: every test here runs against the in-memory and the PostgreSQL adapters, through the
same container API developers use in-process, so the fakes cannot drift from the real thing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from dependency_injector import providers

from paybridge.application.ports.security import Principal
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.users import Role, User
from tests.support.containers import FakeClock, make_container
from tests.support.kyc import verify_user


@pytest.fixture(params=["memory", "postgres"])
async def container(request: pytest.FixtureRequest) -> AsyncIterator[Container]:
    if request.param == "postgres":
        url = request.getfixturevalue("migrated_database_url")
        built = make_container("postgres", url)
    else:
        built = make_container("memory")
    await start(built)
    try:
        yield built
    finally:
        await stop(built)


UserMaker = Callable[..., Awaitable[tuple[User, Principal]]]


@pytest.fixture
def make_user(container: Container) -> UserMaker:
    """Registers a user; `verified` (the default) also passes their KYC through an administrator, as
    sending money requires by default — pass verified=False for a user who has not been verified."""

    async def make(
        role: Role = Role.USER, password: str = "correct horse battery", verified: bool = True
    ) -> tuple[User, Principal]:
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        user = await container.register_user()(email, "Test User", password, role)
        if verified:
            user = await verify_user(container, user.id)
        return user, Principal(user.id, user.role)

    return make


ContainerFactory = Callable[..., Awaitable[Container]]


@pytest.fixture(params=["memory", "postgres"])
async def build_container(request: pytest.FixtureRequest) -> AsyncIterator[ContainerFactory]:
    """Builds started containers of the parametrized storage with settings overrides and, optionally, a
    controlled clock (set before anything that depends on the clock is built); stops them afterwards."""
    url = request.getfixturevalue("migrated_database_url") if request.param == "postgres" else None
    built: list[Container] = []

    async def factory(clock: FakeClock | None = None, **overrides: Any) -> Container:
        made = make_container("postgres", url, **overrides) if url else make_container("memory", **overrides)
        if clock is not None:
            made.clock.override(providers.Object(clock))
        await start(made)
        built.append(made)
        return made

    try:
        yield factory
    finally:
        for made in built:
            await stop(made)
