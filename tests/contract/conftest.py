"""The contract suite: every test here runs against the in-memory and the PostgreSQL adapters, through the
same container API developers use in-process, so the fakes cannot drift from the real thing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from paybridge.application.ports.security import Principal
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.users import Role, User
from tests.support.containers import make_container


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
    async def make(role: Role = Role.USER, password: str = "correct horse battery") -> tuple[User, Principal]:
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        user = await container.register_user()(email, "Test User", password, role)
        return user, Principal(user.id, user.role)

    return make
