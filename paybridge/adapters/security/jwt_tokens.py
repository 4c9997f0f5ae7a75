"""JWT access tokens (PyJWT, HS256) with sub, iat, nbf, exp, jti, role, iss and aud claims.

Key rotation: tokens are signed with one key and carry its id in the `kid` header; verification accepts the
signing key and every key of `verification_keys` (kid -> secret), chosen by the token's `kid`. A token
without `kid` (issued before kids existed) is checked against the signing key only; an unknown `kid` is
refused. Only HS256 is accepted: `alg: none`, RS256/ES256 (algorithm confusion) and any other algorithm
fail before a key is used.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from uuid import UUID

import jwt

from paybridge.application.ports.security import IssuedToken, Principal
from paybridge.application.ports.system import Clock
from paybridge.domain.errors import InvalidToken
from paybridge.domain.users import Role, User

ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["sub", "iat", "nbf", "exp", "jti", "role", "iss", "aud"]


class JwtTokenService:
    def __init__(
        self,
        secret: str,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        clock: Clock,
        kid: str = "default",
        verification_keys: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._secret = secret
        self._kid = kid
        self._keys = {**dict(verification_keys), kid: secret}
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
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM, headers={"kid": self._kid})
        return IssuedToken(access_token=token, token_type="bearer", expires_in=self._ttl)  # noqa: S106

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key_for(jwt.get_unverified_header(token)),
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS},
                leeway=5,
            )
            return Principal(UUID(claims["sub"]), Role(claims["role"]))
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            raise InvalidToken("the access token is invalid or expired") from error

    def _key_for(self, header: dict[str, Any]) -> str:
        if header.get("alg") != ALGORITHM:
            raise jwt.InvalidAlgorithmError("the token is not signed with HS256")
        kid = header.get("kid")
        if kid is None:
            return self._secret
        if not isinstance(kid, str) or kid not in self._keys:
            raise jwt.InvalidTokenError("unknown key id")
        return self._keys[kid]
