"""The authorization matrix (issue 7) against the real app on PostgreSQL.

For every route and method of `create_app(container).routes` — enumerated from the app, so a new route
cannot escape — the entry of `authz_table.ENTRIES` says how to call it on the victim's resources, and each
caller (anonymous, another user, the owner, an administrator) must get the expected status. Every refusal
must leave the whole database unchanged (every table's rows, the outbox sequence); another user must get
the same answer for the victim's ids as for ids that do not exist; answers about "me" must never contain a
victim's id; and exactly the money-moving routes carry the per-user rate limit.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.app import create_app
from paybridge.entrypoints.http.security import MONEY_MOVING_ROUTES
from tests.integration.security.authz_table import ENTRIES, Entry
from tests.integration.security.authz_world import Resources, World, build_world
from tests.support.containers import make_container
from tests.support.db_snapshot import changes, snapshot

pytestmark = pytest.mark.integration

ACTORS = ("anonymous", "other", "owner", "admin")


def app_routes() -> list[tuple[str, str, str]]:
    """(method, path, name) of every route of the app; anything but a plain Route is listed as "?"."""
    app = create_app(make_container("memory"))
    found: list[tuple[str, str, str]] = []
    for route in app.routes:
        if not isinstance(route, Route):
            found.append(("?", str(getattr(route, "path", route)), type(route).__name__))
            continue
        found.extend(
            (method, route.path, route.name) for method in sorted(route.methods or ()) if method != "HEAD"
        )
    return found


ROUTES = app_routes()


def test_every_route_has_an_entry() -> None:
    missing = [f"{method} {path}" for method, path, _ in ROUTES if (method, path) not in ENTRIES]
    assert not missing, (
        "routes without an authorization-matrix entry (add them to authz_table.ENTRIES):\n  "
        + ("\n  ".join(missing))
    )
    served = {(method, path) for method, path, _ in ROUTES}
    stale = [f"{method} {path}" for method, path in ENTRIES if (method, path) not in served]
    assert not stale, f"entries for routes the app does not serve: {stale}"


def test_a_route_without_an_entry_fails_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a developer who adds a route sees until they add its entry."""
    trimmed = {key: entry for key, entry in ENTRIES.items() if key != ("POST", "/api/v1/transfers")}
    monkeypatch.setattr(f"{__name__}.ENTRIES", trimmed)
    with pytest.raises(AssertionError, match="without an authorization-matrix entry") as failure:
        test_every_route_has_an_entry()
    assert "POST /api/v1/transfers" in str(failure.value)


def test_exactly_the_money_moving_routes_are_limited_per_user() -> None:
    wrong = [
        f"{method} {path} ({name}): entry says money={ENTRIES[(method, path)].money}"
        for method, path, name in ROUTES
        if (method, path) in ENTRIES and ENTRIES[(method, path)].money != (name in MONEY_MOVING_ROUTES)
    ]
    assert not wrong, (
        "MONEY_MOVING_ROUTES (paybridge/entrypoints/http/security.py) disagrees:\n  " + "\n  ".join(wrong)
    )


async def call(
    http: httpx.AsyncClient, method: str, entry: Entry, resources: Resources, headers: dict[str, str]
) -> httpx.Response:
    sent = dict(headers)
    if entry.idempotent:
        sent["Idempotency-Key"] = str(uuid.uuid4())
    body = None if entry.body is None else entry.body(resources)
    return await http.request(method, entry.path(resources), json=body, headers=sent)


def expected(entry: Entry, actor: str) -> int:
    status: int = getattr(entry, actor)
    return status


def describe(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path} -> {response.status_code} {response.text[:300]}"


async def refused_without_a_trace(
    http: httpx.AsyncClient, url: str, method: str, entry: Entry, world: World, actor: str
) -> httpx.Response:
    """Calls as `actor`, expecting a refusal, and checks the database did not change at all."""
    actor_id = world.ids[actor]
    before = await snapshot(url, actor_id)
    response = await call(http, method, entry, world.resources, world.actors[actor])
    after = await snapshot(url, actor_id)
    assert response.status_code == expected(entry, actor), f"as {actor}: {describe(response)}"
    assert response.headers["content-type"] == "application/problem+json", describe(response)
    assert not changes(before, after), f"as {actor}, the refused request changed {changes(before, after)}"
    return response


def assert_no_victim_ids(response: httpx.Response, resources: Resources, actor: str) -> None:
    leaked = [victim_id for victim_id in resources.victim_ids() if victim_id in response.text]
    assert not leaked, f"as {actor}, the answer names the victim's {leaked}: {describe(response)}"


@pytest.mark.parametrize(("method", "path", "name"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_route(
    client: httpx.AsyncClient, app_container: Container, method: str, path: str, name: str
) -> None:
    entry = ENTRIES.get((method, path))
    if entry is None:
        pytest.fail(
            f"no authorization-matrix entry for {method} {path} ({name}): add it to authz_table.ENTRIES"
        )
    url = app_container.settings().database_url
    assert url is not None
    world = await build_world(client, app_container)
    if entry.public:
        for actor in ACTORS:
            response = await call(client, method, entry, world.resources, world.actors[actor])
            assert response.status_code == expected(entry, actor), f"as {actor}: {describe(response)}"
        return

    refusals = [actor for actor in ACTORS if expected(entry, actor) >= 400]
    answers: dict[str, Any] = {}
    for actor in refusals:
        answers[actor] = await refused_without_a_trace(client, url, method, entry, world, actor)
    if "other" in refusals and not entry.mine:
        ghost = await call(client, method, entry, world.resources.ghost(), world.actors["other"])
        real = answers["other"]
        assert (ghost.status_code, ghost.json().get("code")) == (real.status_code, real.json().get("code")), (
            f"a foreign id is distinguishable from a missing one: {describe(real)} vs {describe(ghost)}"
        )
    for actor in ("other", "owner", "admin"):
        if actor in refusals:
            continue
        if actor == "admin" and "owner" not in refusals:
            world = await build_world(client, app_container)  # the owner's call changed the first world
        response = await call(client, method, entry, world.resources, world.actors[actor])
        assert response.status_code == expected(entry, actor), f"as {actor}: {describe(response)}"
        if entry.mine and actor == "other":
            assert_no_victim_ids(response, world.resources, actor)


async def test_the_snapshot_notices_every_change(client: httpx.AsyncClient, app_container: Container) -> None:
    """The guard the matrix relies on: a money movement changes the snapshot (tables, outbox, the actor's
    keyed transactions); a read does not."""
    url = app_container.settings().database_url
    assert url is not None
    world = await build_world(client, app_container)
    owner, resources = world.ids["owner"], world.resources
    before = await snapshot(url, owner)
    read = await client.get(f"/api/v1/wallets/{resources.wallet}", headers=world.actors["owner"])
    assert read.status_code == 200
    assert not changes(before, await snapshot(url, owner))
    moved = await call(
        client, "POST", ENTRIES[("POST", "/api/v1/transfers")], resources, world.actors["owner"]
    )
    assert moved.status_code == 201, moved.text
    changed = changes(before, await snapshot(url, owner))
    for part in ("wallets", "transactions", "ledger_entries", "outbox", "outbox.max_seq"):
        assert part in changed
    assert "idempotency_keys of the actor with a transaction" in changed
