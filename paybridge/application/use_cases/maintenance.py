"""Housekeeping use cases run by background tasks and the CLI."""

from __future__ import annotations

import logging
from datetime import timedelta

from paybridge.application.ports.storage import UnitOfWorkFactory
from paybridge.application.ports.system import Clock

logger = logging.getLogger(__name__)


class PurgeExpiredIdempotencyKeys:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, batch_size: int = 1000) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._batch_size = batch_size

    async def __call__(self) -> int:
        """Deletes expired keys in batches of `batch_size`, one unit of work per batch; returns the total."""
        total = 0
        while True:
            async with self._uow_factory() as uow:
                purged = await uow.idempotency.purge_expired(self._clock.now(), self._batch_size)
                await uow.commit()
            total += purged
            if purged < self._batch_size:
                break
        if total:
            logger.info("purged expired idempotency keys", extra={"purged": total})
        return total


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
        total = 0
        while True:
            async with self._uow_factory() as uow:
                purged = await uow.quotes.purge_expired(expired_before, self._batch_size)
                await uow.commit()
            total += purged
            if purged < self._batch_size:
                break
        if total:
            logger.info("purged expired exchange quotes", extra={"purged": total})
        return total
