"""JWT access tokens (PyJWT, HS256) with sub, iat, nbf, exp, jti, role, iss and aud claims."""

from __future__ import annotations

import uuid
from datetime import timedelta
from uuid import UUID

import jwt

from paybridge.application.ports.security import IssuedToken, Principal
from paybridge.application.ports.system import Clock
from paybridge.domain.errors import InvalidToken
from paybridge.domain.users import Role, User

ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti", "role", "iss", "aud"]


class JwtTokenService:
    def __init__(self, secret: str, issuer: str, audience: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl_seconds
        self._clock = clock

    def issue(self, user: User) -> IssuedToken:
        now = self._clock.now()
        claims = {
            "sub": str(user.id),
            "role": user.role.value,
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=self._ttl),
            "jti": str(uuid.uuid4()),
            "iss": self._issuer,
            "aud": self._audience,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedToken(access_token=token, token_type="bearer", expires_in=self._ttl)  # noqa: S106

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS},
                leeway=5,
            )
            return Principal(UUID(claims["sub"]), Role(claims["role"]))
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            raise InvalidToken("the access token is invalid or expired") from error
