"""Keyset pages: fetch `limit + 1` rows newest first; the extra row only tells that there is more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from paybridge.application.ports.storage import Page

T = TypeVar("T")
MAX_POSITION = 2**63 - 1
Row = tuple[Any, ...]


def keyset_page(
    rows: list[Row], limit: int, build: Callable[[Row], T], position: Callable[[Row], int]
) -> Page[T]:
    items = [build(row) for row in rows[:limit]]
    next_position = position(rows[limit - 1]) if len(rows) > limit else None
    return Page(items, next_position)
