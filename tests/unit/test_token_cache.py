"""The verified-token cache of JwtTokenService: a repeat costs no verification, an expired token is refused
even when it was verified before, a token altered by one character is verified (and refused) on its own, and
the cache stays within its size."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from paybridge.adapters.security.jwt_tokens import LEEWAY_SECONDS, JwtTokenService
from paybridge.domain.errors import InvalidToken
from paybridge.domain.users import KycStatus, Role, User
from tests.support.containers import FakeClock

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def service(clock: FakeClock, ttl: int = 900, cache_size: int = 10_000) -> JwtTokenService:
    return JwtTokenService(SECRET, "paybridge", "paybridge-api", ttl, clock, cache_size=cache_size)


def user() -> User:
    now = datetime.now(UTC)
    return User(
        uuid.uuid4(), f"{uuid.uuid4().hex}@example.com", "U", "hash", Role.USER, KycStatus.VERIFIED, now, now
    )


def test_a_verified_token_is_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = service(FakeClock())
    someone = user()
    token = tokens.issue(someone).access_token
    assert tokens.verify(token).user_id == someone.id

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("verified again")

    monkeypatch.setattr(jwt, "decode", no_decoding)
    assert tokens.verify(token).user_id == someone.id


def test_a_cached_token_past_its_expiry_is_refused() -> None:
    # exp lies LEEWAY + 1 s in the past, so the token is accepted now (within the leeway) and not 1 s later
    clock = FakeClock(datetime.now(UTC) - timedelta(seconds=60 + LEEWAY_SECONDS - 1))
    tokens = service(clock, ttl=60)
    token = tokens.issue(user()).access_token
    tokens.verify(token)
    time.sleep(1.2)
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_an_altered_token_is_verified_on_its_own() -> None:
    tokens = service(FakeClock())
    token = tokens.issue(user()).access_token
    tokens.verify(token)
    header, payload, signature = token.split(".")
    forged = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "role": "ADMIN"},
        "not-the-secret-but-as-long-as-a-real-one",
    )
    for altered in (f"{header}.{payload}.{signature[:-2]}AA", forged):
        with pytest.raises(InvalidToken):
            tokens.verify(altered)


def test_the_cache_keeps_at_most_its_size() -> None:
    tokens = service(FakeClock(), cache_size=3)
    issued = [tokens.issue(user()).access_token for _ in range(5)]
    for token in issued:
        tokens.verify(token)
    assert len(tokens._verified) == 3  # the three newest
    assert all(token in tokens._verified for token in issued[2:])
