"""PostgreSQL user repository."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from paybridge.adapters.postgres.session import PostgresSession
from paybridge.domain.users import KycStatus, Role, User

_COLUMNS = "id, email, full_name, password_hash, role, kyc_status, created_at, updated_at"


def _user(row: tuple[Any, ...]) -> User:
    return User(row[0], row[1], row[2], row[3], Role(row[4]), KycStatus(row[5]), row[6], row[7])


class PostgresUserRepository:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        await self._session.execute(
            "insert",
            "users",
            "INSERT INTO users (id, email, full_name, password_hash, role, kyc_status, created_at,"
            " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                user.id,
                user.email,
                user.full_name,
                user.password_hash,
                user.role.value,
                user.kyc_status.value,
                user.created_at,
                user.updated_at,
            ),
        )

    async def get(self, user_id: UUID) -> User | None:
        row = await self._session.fetchone(
            "select", "users", f"SELECT {_COLUMNS} FROM users WHERE id = %s", (user_id,)
        )
        return None if row is None else _user(row)

    async def lock(self, user_id: UUID) -> User | None:
        row = await self._session.fetchone(
            "lock", "users", f"SELECT {_COLUMNS} FROM users WHERE id = %s FOR UPDATE", (user_id,)
        )
        return None if row is None else _user(row)

    async def save_kyc(self, user: User) -> None:
        await self._session.execute(
            "update",
            "users",
            "UPDATE users SET kyc_status = %s, updated_at = %s WHERE id = %s",
            (user.kyc_status.value, user.updated_at, user.id),
        )

    async def find_by_email(self, email: str) -> User | None:
        row = await self._session.fetchone(
            "select", "users", f"SELECT {_COLUMNS} FROM users WHERE lower(email) = lower(%s)", (email,)
        )
        return None if row is None else _user(row)
