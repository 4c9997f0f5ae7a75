"""Housekeeping use cases run by background tasks and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from paybridge.application.ports.storage import UnitOfWork, UnitOfWorkFactory
from paybridge.application.ports.system import Clock

logger = logging.getLogger(__name__)


class PurgeExpiredIdempotencyKeys:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, batch_size: int = 1000) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._batch_size = batch_size

    async def __call__(self) -> int:
        """Deletes expired keys in batches of `batch_size`, one unit of work per batch; returns the total."""
        return await _purge_in_batches(
            self._uow_factory,
            lambda uow: uow.idempotency.purge_expired(self._clock.now(), self._batch_size),
            self._batch_size,
            "purged expired idempotency keys",
        )


class PurgeExpiredQuotes:
    """Deletes exchange quotes no exchange used once they expired more than `retention_seconds` ago; used
    quotes are kept (why: `QuoteRepository.purge_expired`)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, retention_seconds: int, batch_size: int = 1000
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._retention = timedelta(seconds=retention_seconds)
        self._batch_size = batch_size

    async def __call__(self) -> int:
        """Deletes in batches of `batch_size`, one unit of work per batch; returns the total."""
        expired_before = self._clock.now() - self._retention
        return await _purge_in_batches(
            self._uow_factory,
            lambda uow: uow.quotes.purge_expired(expired_before, self._batch_size),
            self._batch_size,
            "purged expired exchange quotes",
        )


async def _purge_in_batches(
    uow_factory: UnitOfWorkFactory,
    delete_batch: Callable[[UnitOfWork], Awaitable[int]],
    batch_size: int,
    message: str,
) -> int:
    """Runs `delete_batch` (which deletes up to `batch_size` rows and returns how many) in one committed unit
    of work after another until a batch comes back short; logs `message` with the total when any went."""
    total = 0
    while True:
        async with uow_factory() as uow:
            purged = await delete_batch(uow)
            await uow.commit()
        total += purged
        if purged < batch_size:
            break
    if total:
        logger.info(message, extra={"purged": total})
    return total
