"""A serving process freezes its start-up heap (fewer, shorter full GC passes under load); an app built
without `freeze_heap` — every test's, every in-process user's — leaves the collector alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from paybridge.entrypoints.http.app import create_app
from tests.support.containers import make_container


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.parametrize("freeze", [True, False])
async def test_the_start_up_heap_is_frozen_only_when_asked(freeze: bool) -> None:
    app = create_app(make_container("memory"), freeze_heap=freeze)
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
    assert (frozen > 10_000) if freeze else (frozen == 0)


def test_the_served_app_asks_for_it() -> None:
    # the module hypercorn workers import (importing it here would build a PostgreSQL container from the env)
    source = (Path(__file__).parents[2] / "paybridge/entrypoints/http/asgi.py").read_text()
    assert "freeze_heap=True" in source
