"""JWT access tokens (PyJWT, HS256) with sub, iat, nbf, exp, jti, role, iss and aud claims.

Key rotation: tokens are signed with one key and carry its id in the `kid` header; verification accepts the
signing key and every key of `verification_keys` (kid -> secret), chosen by the token's `kid`. A token
without `kid` (issued before kids existed) is checked against the signing key only; an unknown `kid` is
refused. Only HS256 is accepted: `alg: none`, RS256/ES256 (algorithm confusion) and any other algorithm
fail before a key is used.

Verified tokens are remembered (up to `cache_size`, per process) with their principal and validity window,
so a client's next request with the same token costs a dictionary lookup and a clock reading instead of an
HMAC and JSON decoding (~100 µs); `exp`/`nbf` are still checked on every use, with PyJWT's leeway. Only
tokens that passed full verification are kept: a forged or altered token is a different string.
"""

from __future__ import annotations

import time
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
LEEWAY_SECONDS = 5


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
        cache_size: int = 10_000,
    ) -> None:
        self._secret = secret
        self._kid = kid
        self._keys = {**dict(verification_keys), kid: secret}
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl_seconds
        self._clock = clock
        self._cache_size = cache_size
        self._verified: dict[str, tuple[Principal, float, float]] = {}  # token -> (principal, nbf, exp)

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
        known = self._verified.get(token)
        if known is not None:
            principal, not_before, expires = known
            if not_before - LEEWAY_SECONDS <= time.time() < expires + LEEWAY_SECONDS:
                return principal
            del self._verified[token]
        try:
            claims = jwt.decode(
                token,
                self._key_for(jwt.get_unverified_header(token)),
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS},
                leeway=LEEWAY_SECONDS,
            )
            principal = Principal(UUID(claims["sub"]), Role(claims["role"]))
            self._remember(token, principal, float(claims["nbf"]), float(claims["exp"]))
            return principal
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
            raise InvalidToken("the access token is invalid or expired") from error

    def _remember(self, token: str, principal: Principal, not_before: float, expires: float) -> None:
        if len(self._verified) >= self._cache_size:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = (principal, not_before, expires)

    def _key_for(self, header: dict[str, Any]) -> str:
        if header.get("alg") != ALGORITHM:
            raise jwt.InvalidAlgorithmError("the token is not signed with HS256")
        kid = header.get("kid")
        if kid is None:
            return self._secret
        if not isinstance(kid, str) or kid not in self._keys:
            raise jwt.InvalidTokenError("unknown key id")
        return self._keys[kid]
