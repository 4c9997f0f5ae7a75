"""KYC: a user submits (UNVERIFIED/REJECTED → PENDING), an administrator decides (VERIFIED / REJECTED with a
reason; never about themselves). Each change writes its `user.kyc_*` event in the same transaction; the
user's row is locked while deciding, so concurrent decisions apply one after the other."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import UnitOfWorkFactory
from paybridge.application.ports.system import Clock
from paybridge.domain.errors import AdminRequired, FieldError, UserNotFound, ValidationFailed
from paybridge.domain.kyc import decide_kyc, submit_kyc
from paybridge.domain.users import KycStatus, User

logger = logging.getLogger(__name__)


class SubmitKyc:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, principal: Principal) -> User:
        """Raises InvalidKycTransition when the caller's KYC is already PENDING or VERIFIED."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            user = await uow.users.lock(principal.user_id)
            if user is None:
                raise UserNotFound("the authenticated user no longer exists")
            updated, event = submit_kyc(user, now)
            await uow.users.save_kyc(updated)
            await uow.outbox.add([event])
            await uow.commit()
        logger.info("kyc submitted", extra={"subject_user_id": str(user.id)})
        return updated


class DecideKyc:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, principal: Principal, user_id: UUID, decision: Any, reason: str | None) -> User:
        """Administrators only (AdminRequired); UserNotFound, KycSelfReview, ValidationFailed."""
        if not principal.is_admin:
            raise AdminRequired("only administrators decide KYC")
        try:
            status = KycStatus(decision)
        except ValueError:
            raise ValidationFailed(
                "a KYC decision is VERIFIED or REJECTED",
                errors=[FieldError("decision", "VERIFIED or REJECTED")],
            ) from None
        now = self._clock.now()
        async with self._uow_factory() as uow:
            user = await uow.users.lock(user_id)
            if user is None:
                raise UserNotFound(f"user {user_id} not found")
            updated, event = decide_kyc(user, status, reason, principal.user_id, now)
            if event is None:
                return user
            await uow.users.save_kyc(updated)
            await uow.outbox.add([event])
            await uow.commit()
        logger.info("kyc decided", extra={"subject_user_id": str(user_id), "decision": status.value})
        return updated
