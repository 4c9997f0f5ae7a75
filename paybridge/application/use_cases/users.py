"""Use cases for users: register, authenticate, read one's profile."""

from __future__ import annotations

import logging

from paybridge.application.login_throttle import LoginThrottle
from paybridge.application.ports.security import IssuedToken, PasswordHasher, Principal, TokenService
from paybridge.application.ports.storage import UnitOfWorkFactory
from paybridge.application.ports.system import Clock
from paybridge.domain.errors import InvalidCredentials, UserNotFound
from paybridge.domain.events import UserCreated
from paybridge.domain.users import Role, User, new_user, normalize_email, validate_registration

logger = logging.getLogger(__name__)


class RegisterUser:
    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, email: str, full_name: str, password: str, role: Role = Role.USER) -> User:
        """Raises ValidationFailed for bad data, EmailAlreadyRegistered for a taken email."""
        validate_registration(email, full_name, password)
        password_hash = await self._hasher.hash(password)
        now = self._clock.now()
        user = new_user(email, full_name, password_hash, role, now)
        async with self._uow_factory() as uow:
            await uow.users.add(user)
            await uow.outbox.add([UserCreated(occurred_at=now, user=user)])
            await uow.commit()
        logger.info("user registered", extra={"new_user_id": str(user.id), "role": role.value})
        return user


class IssueToken:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenService,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle

    async def __call__(self, email: str, password: str, client: str | None = None) -> IssuedToken:
        """Raises InvalidCredentials without saying whether the email or the password was wrong, and
        TooManyRequests when the attempts of this client address or for this account exceed the limits."""
        normalized = normalize_email(email)
        if self._throttle is not None:
            await self._throttle.attempt(normalized, client)
        async with self._uow_factory() as uow:
            user = await uow.users.find_by_email(normalized)
        if user is None:
            await self._hasher.verify_dummy(password)
            raise self._failed()
        if not await self._hasher.verify(user.password_hash, password):
            raise self._failed()
        return self._tokens.issue(user)

    def _failed(self) -> InvalidCredentials:
        if self._throttle is not None:
            self._throttle.failed()
        return InvalidCredentials("email or password is incorrect")


class GetProfile:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, principal: Principal) -> User:
        async with self._uow_factory() as uow:
            user = await uow.users.get(principal.user_id)
        if user is None:
            raise UserNotFound("the authenticated user no longer exists")
        return user
