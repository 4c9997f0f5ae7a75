"""Users, their roles and KYC status."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from paybridge.domain.errors import FieldError, ValidationFailed
from paybridge.domain.ids import new_id

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class KycStatus(StrEnum):
    UNVERIFIED = "UNVERIFIED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    email: str
    full_name: str
    password_hash: str
    role: Role
    kyc_status: KycStatus
    created_at: datetime
    updated_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def normalize_email(email: str) -> str:
    return email.strip().lower()


def validate_registration(email: str, full_name: str, password: str) -> None:
    errors: list[FieldError] = []
    if len(email) > 254 or not _EMAIL.match(email.strip()):
        errors.append(FieldError("email", "must be a valid email address"))
    if not full_name.strip() or len(full_name) > 200:
        errors.append(FieldError("full_name", "must be 1 to 200 characters"))
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        errors.append(
            FieldError("password", f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
        )
    if errors:
        raise ValidationFailed("registration data is invalid", errors=errors)


def new_user(email: str, full_name: str, password_hash: str, role: Role, now: datetime) -> User:
    return User(
        id=new_id(),
        email=normalize_email(email),
        full_name=full_name.strip(),
        password_hash=password_hash,
        role=role,
        kyc_status=KycStatus.UNVERIFIED,
        created_at=now,
        updated_at=now,
    )
