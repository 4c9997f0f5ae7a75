"""Security ports: password hashing and access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from paybridge.domain.users import Role, User


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    token_type: str
    expires_in: int
    """Seconds until the token expires."""


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str:
        """A self-describing hash (algorithm and parameters included). CPU-heavy: runs off the event loop."""

    async def verify(self, password_hash: str, password: str) -> bool:
        """False on mismatch or on an unreadable hash; never raises for a wrong password."""

    async def verify_dummy(self, password: str) -> None:
        """Spends the time of one verification, so unknown emails take as long as wrong passwords."""


class TokenService(Protocol):
    def issue(self, user: User) -> IssuedToken: ...

    def verify(self, token: str) -> Principal:
        """Raises InvalidToken for a malformed, tampered, expired or foreign token."""
