"""Verifying users' identity (KYC) in tests, through the real use case: with the default policy
(PAYBRIDGE_KYC_REQUIRED_FOR_OUTGOING=true) only VERIFIED users may send money.

A "KYC officer" administrator is registered once per container and decides for everyone else (an
administrator never decides about themselves)."""

from __future__ import annotations

import uuid
import weakref
from uuid import UUID

from paybridge.application.ports.security import Principal
from paybridge.bootstrap import Container
from paybridge.domain.users import KycStatus, Role, User

_OFFICERS: weakref.WeakKeyDictionary[Container, Principal] = weakref.WeakKeyDictionary()


async def kyc_officer(container: Container) -> Principal:
    officer = _OFFICERS.get(container)
    if officer is None:
        email = f"kyc-officer-{uuid.uuid4().hex[:12]}@example.com"
        user = await container.register_user()(email, "KYC Officer", "kyc officer password", Role.ADMIN)
        officer = _OFFICERS[container] = Principal(user.id, user.role)
    return officer


async def verify_user(container: Container, user_id: UUID) -> User:
    """Marks the user VERIFIED through `DecideKyc` (writing its `user.kyc_verified` event)."""
    officer = await kyc_officer(container)
    return await container.decide_kyc()(officer, user_id, KycStatus.VERIFIED.value, None)


async def new_principal(container: Container, role: Role = Role.USER, verified: bool = True) -> Principal:
    """A freshly registered user (KYC VERIFIED unless `verified` is False) as a principal."""
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    user = await container.register_user()(email, "Test User", "correct horse battery", role)
    if verified:
        user = await verify_user(container, user.id)
    return Principal(user.id, user.role)
