"""Housekeeping use cases run by background tasks and the CLI."""

from __future__ import annotations

import logging

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
