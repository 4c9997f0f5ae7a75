"""Access tokens against the real app on PostgreSQL: every forged, stale or foreign token is a 401
`invalid_token`, and key rotation by `kid` works as docs/security.md describes it, step by step."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.integration.security.conftest import AppClient
from tests.support.containers import TEST_JWT_SECRET

pytestmark = pytest.mark.integration

ME = "/api/v1/users/me"
CURRENT_KID, CURRENT = "2026-06", "current-signing-secret-" + "c" * 32
OLD_KID, OLD = "2026-01", "previous-signing-secret-" + "o" * 32
PASSWORD = "correct horse battery"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC_PEM = (
    RSA_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def claims(user_id: str, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": user_id,
        "role": "user",
        "iat": now - timedelta(minutes=1),
        "nbf": now - timedelta(minutes=1),
        "exp": now + timedelta(minutes=10),
        "jti": str(uuid.uuid4()),
        "iss": "paybridge",
        "aud": "paybridge-api",
    }
    for name, value in changes.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def sign(
    payload: dict[str, Any], key: Any = CURRENT, algorithm: str = "HS256", kid: Any = CURRENT_KID
) -> str:
    headers = {} if kid is None else {"kid": kid}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_by_hand(payload: dict[str, Any], key: bytes, kid: Any) -> str:
    """HS256 with any key and `kid` (PyJWT refuses PEM-shaped HMAC keys and non-string kids; an attacker's
    tool would not)."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(payload, default=lambda d: int(d.timestamp())).encode())
    signature = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"


async def register(http: httpx.AsyncClient) -> tuple[str, str]:
    """(user id, email) of a new user."""
    email = f"tok-{uuid.uuid4().hex[:12]}@example.com"
    created = await http.post("/api/v1/users", json={"email": email, "full_name": "T", "password": PASSWORD})
    assert created.status_code == 201, created.text
    return str(created.json()["id"]), email


async def user_id(http: httpx.AsyncClient) -> str:
    return (await register(http))[0]


async def login(http: httpx.AsyncClient, email: str) -> str:
    issued = await http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return str(issued.json()["access_token"])


async def me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get(ME, headers={"Authorization": f"Bearer {token}"})


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_token"
    assert response.headers["www-authenticate"].startswith("Bearer")


def rotated(app_client: AppClient, kid: str, secret: str, *older: tuple[str, str]) -> Any:
    return app_client(settings={"jwt_secret": secret}, jwt_kid=kid, jwt_verification_keys=tuple(older))


async def test_issued_tokens_carry_the_signing_kid(app_client: AppClient) -> None:
    async with rotated(app_client, CURRENT_KID, CURRENT, (OLD_KID, OLD)) as h:
        token = await login(h.http, (await register(h.http))[1])
        assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": CURRENT_KID}
        payload = jwt.decode(token, CURRENT, algorithms=["HS256"], audience="paybridge-api")
        assert {"sub", "role", "iat", "nbf", "exp", "jti", "iss", "aud"} <= set(payload)
        assert (await me(h.http, token)).status_code == 200


FORGERIES: dict[str, Callable[[str], str]] = {
    "expired": lambda u: sign(claims(u, exp=datetime.now(UTC) - timedelta(seconds=30))),
    "not-yet-valid": lambda u: sign(claims(u, nbf=datetime.now(UTC) + timedelta(seconds=60))),
    "no-nbf": lambda u: sign(claims(u, nbf=None)),
    "no-exp": lambda u: sign(claims(u, exp=None)),
    "wrong-issuer": lambda u: sign(claims(u, iss="https://evil.example")),
    "no-issuer": lambda u: sign(claims(u, iss=None)),
    "wrong-audience": lambda u: sign(claims(u, aud="another-api")),
    "audience-list-without-ours": lambda u: sign(claims(u, aud=["a", "b"])),
    "no-audience": lambda u: sign(claims(u, aud=None)),
    "unknown-role": lambda u: sign(claims(u, role="root")),
    "sub-not-a-uuid": lambda u: sign(claims(u, sub="1 OR 1=1")),
    "wrong-secret": lambda u: sign(claims(u), key="an-attacker-secret-" + "a" * 32),
    "tampered-signature": lambda u: _flip_signature(sign(claims(u))),
    "tampered-payload": lambda u: _swap_payload(sign(claims(u)), claims(u, role="admin")),
    "alg-none": lambda u: jwt.encode(claims(u, role="admin"), "", algorithm="none"),
    "alg-none-with-kid": lambda u: jwt.encode(claims(u), "", algorithm="none", headers={"kid": CURRENT_KID}),
    "alg-none-uppercase": lambda u: _with_header(sign(claims(u)), {"alg": "None", "kid": CURRENT_KID}),
    "hs512-with-the-right-secret": lambda u: sign(claims(u), algorithm="HS512"),
    "rs256": lambda u: sign(claims(u), key=RSA_KEY, algorithm="RS256"),
    "es256": lambda u: sign(claims(u), key=ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"),
    "hs256-signed-with-a-public-key": lambda u: hs256_by_hand(
        claims(u), RSA_PUBLIC_PEM.encode(), CURRENT_KID
    ),
    "unknown-kid": lambda u: sign(claims(u), kid="2099-01"),
    "kid-of-another-key": lambda u: sign(claims(u), key=OLD, kid=CURRENT_KID),
    "numeric-kid": lambda u: hs256_by_hand(claims(u), CURRENT.encode(), kid=7),
    "list-kid": lambda u: hs256_by_hand(claims(u), CURRENT.encode(), kid=[CURRENT_KID]),
    "old-key-without-kid": lambda u: sign(claims(u), key=OLD, kid=None),
    "retired-test-secret": lambda u: sign(claims(u), key=TEST_JWT_SECRET, kid=None),
    "garbage": lambda u: "not.a.token",
    "two-segments": lambda u: ".".join(sign(claims(u)).split(".")[:2]),
}


def _flip_signature(token: str) -> str:
    head, body, signature = token.split(".")
    flipped = ("A" if signature[5] != "A" else "B") + signature[6:]
    return f"{head}.{body}.{signature[:5]}{flipped}"


def _swap_payload(token: str, payload: dict[str, Any]) -> str:
    head, _, signature = token.split(".")
    return f"{head}.{b64(json.dumps(payload, default=lambda d: int(d.timestamp())).encode())}.{signature}"


def _with_header(token: str, header: dict[str, Any]) -> str:
    _, body, signature = token.split(".")
    return f"{b64(json.dumps(header).encode())}.{body}.{signature}"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 with a 55-byte key
@pytest.mark.parametrize("name", list(FORGERIES))
async def test_forged_stale_and_foreign_tokens_are_401(app_client: AppClient, name: str) -> None:
    async with rotated(app_client, CURRENT_KID, CURRENT, (OLD_KID, OLD)) as h:
        user = await user_id(h.http)
        assert (await me(h.http, sign(claims(user)))).status_code == 200  # the control passes
        assert_invalid_token(await me(h.http, FORGERIES[name](user)))


async def test_undecodable_authorization_headers_are_401(app_client: AppClient) -> None:
    async with app_client() as h:
        for raw in ("Bearer ключ.ключ.ключ".encode(), b"Bearer \xff\xfe.\x00.x", b"Bearer " + b"A" * 8000):
            response = await h.http.get(ME, headers=[(b"Authorization", raw)])
            assert response.status_code == 401, response.text
            assert response.json()["code"] in ("invalid_token", "unauthenticated")


async def test_a_public_key_configured_as_an_hmac_secret_is_never_usable(app_client: AppClient) -> None:
    """Algorithm confusion: even if an operator pasted a public PEM as a verification key, an HS256 token
    signed with that public text is refused (PyJWT will not use PEM-shaped HMAC keys)."""
    async with rotated(app_client, CURRENT_KID, CURRENT, ("pem", RSA_PUBLIC_PEM)) as h:
        user = await user_id(h.http)
        assert_invalid_token(await me(h.http, hs256_by_hand(claims(user), RSA_PUBLIC_PEM.encode(), "pem")))
        assert_invalid_token(await me(h.http, sign(claims(user), key=RSA_KEY, algorithm="RS256", kid="pem")))


async def test_old_and_kidless_tokens_during_rotation(app_client: AppClient) -> None:
    async with rotated(app_client, CURRENT_KID, CURRENT, (OLD_KID, OLD)) as h:
        user = await user_id(h.http)
        assert (await me(h.http, sign(claims(user), key=OLD, kid=OLD_KID))).status_code == 200
        assert (await me(h.http, sign(claims(user), key=CURRENT, kid=None))).status_code == 200  # signing key


async def test_key_rotation_step_by_step(app_client: AppClient) -> None:
    """docs/security.md, "Rotating the JWT signing key": every replica learns the new key before any signs
    with it, so a token is accepted by every replica at every step, and the old key is dropped after the
    longest token lifetime."""
    old, new = ("k1", "k1-secret-" + "1" * 32), ("k2", "k2-secret-" + "2" * 32)
    async with (
        rotated(app_client, *old) as before,
        rotated(app_client, *old, new) as step1,
        rotated(app_client, *new, old) as step2,
        rotated(app_client, *new) as step3,
    ):
        _, email = await register(before.http)
        t1 = await login(before.http, email)
        t2 = await login(step2.http, email)
        assert jwt.get_unverified_header(t1)["kid"] == "k1" and jwt.get_unverified_header(t2)["kid"] == "k2"
        for replica in (before, step1, step2):  # old tokens work until step 3
            assert (await me(replica.http, t1)).status_code == 200
        for replica in (step1, step2, step3):  # new tokens work wherever step 1 was rolled out
            assert (await me(replica.http, t2)).status_code == 200
        assert_invalid_token(await me(before.http, t2))  # why step 1 must be complete before step 2
        assert_invalid_token(await me(step3.http, t1))  # after step 3 the old key is gone
