"""Registration, authentication and profiles through the use cases, on both adapters."""

from __future__ import annotations

import json
import uuid

import pytest

from paybridge.application.ports.security import Principal
from paybridge.bootstrap import Container
from paybridge.domain.errors import (
    EmailAlreadyRegistered,
    InvalidCredentials,
    UserNotFound,
    ValidationFailed,
)
from paybridge.domain.users import KycStatus, Role
from tests.support.containers import outbox_events

PASSWORD = "correct horse battery"


def unique_email(name: str = "user") -> str:
    return f"{name}-{uuid.uuid4().hex[:12]}@example.com"


def events_about(container: Container, aggregate_id: uuid.UUID) -> list[dict[str, object]]:
    return [e for e in outbox_events(container) if e["aggregate_id"] == str(aggregate_id)]


async def test_register_normalises_input_and_announces_the_user(container: Container) -> None:
    email = unique_email("Ada.Lovelace").replace("example.com", "Example.COM")
    user = await container.register_user()(f"  {email}  ", "  Ada Lovelace  ", PASSWORD)

    assert user.email == email.lower()
    assert user.email != email  # the input really had upper-case letters
    assert user.full_name == "Ada Lovelace"
    assert user.role is Role.USER
    assert user.kyc_status is KycStatus.UNVERIFIED
    assert user.password_hash
    assert PASSWORD not in user.password_hash
    assert user.created_at == user.updated_at

    events = events_about(container, user.id)
    assert [(e["event_type"], e["aggregate_type"]) for e in events] == [("user.created", "user")]
    payload = events[0]["payload"]
    assert payload == {
        "user_id": str(user.id),
        "email": email.lower(),
        "full_name": "Ada Lovelace",
        "role": "user",
        "kyc_status": "UNVERIFIED",
    }
    assert isinstance(payload, dict)
    assert not any("password" in key or "hash" in key for key in payload)
    serialized = json.dumps(payload)
    assert user.password_hash not in serialized
    assert PASSWORD not in serialized


async def test_register_admin_keeps_the_role(container: Container) -> None:
    admin = await container.register_user()(unique_email("admin"), "Root", PASSWORD, Role.ADMIN)
    assert admin.role is Role.ADMIN and admin.is_admin
    profile = await container.get_profile()(Principal(admin.id, admin.role))
    assert profile.role is Role.ADMIN
    [event] = events_about(container, admin.id)
    assert isinstance(event["payload"], dict) and event["payload"]["role"] == "admin"


async def test_duplicate_email_differing_only_in_case_is_refused(container: Container) -> None:
    email = unique_email("grace")
    first = await container.register_user()(email, "Grace Hopper", PASSWORD)

    with pytest.raises(EmailAlreadyRegistered):
        await container.register_user()(email.upper(), "Impostor", "another password")
    with pytest.raises(EmailAlreadyRegistered):
        await container.register_user()(f" {email.title()} ", "Impostor", "another password")

    created = [
        e
        for e in outbox_events(container)
        if e["event_type"] == "user.created"
        and isinstance(e["payload"], dict)
        and e["payload"]["email"] == email
    ]
    assert [e["aggregate_id"] for e in created] == [str(first.id)]
    # the original account still authenticates with its own password, the impostor's does not work
    token = await container.issue_token()(email, PASSWORD)
    assert container.tokens().verify(token.access_token).user_id == first.id
    with pytest.raises(InvalidCredentials):
        await container.issue_token()(email, "another password")


@pytest.mark.parametrize(
    ("email", "full_name", "password", "fields"),
    [
        ("not-an-email", "Ada", PASSWORD, {"email"}),
        ("ada@", "Ada", PASSWORD, {"email"}),
        ("ada@example", "Ada", PASSWORD, {"email"}),
        ("a b@example.com", "Ada", PASSWORD, {"email"}),
        ("", "Ada", PASSWORD, {"email"}),
        ("VALID", "Ada", "short", {"password"}),
        ("VALID", "Ada", "7-chars", {"password"}),
        ("VALID", "Ada", "x" * 257, {"password"}),
        ("VALID", "", PASSWORD, {"full_name"}),
        ("VALID", "   ", PASSWORD, {"full_name"}),
        ("VALID", "n" * 201, PASSWORD, {"full_name"}),
        ("nope", " ", "pw", {"email", "full_name", "password"}),
    ],
)
async def test_invalid_registration_names_the_fields(
    container: Container, email: str, full_name: str, password: str, fields: set[str]
) -> None:
    if email == "VALID":
        email = unique_email("invalid")
    with pytest.raises(ValidationFailed) as raised:
        await container.register_user()(email, full_name, password)

    assert type(raised.value) is ValidationFailed
    assert {e.field for e in raised.value.errors} == fields
    assert all(e.message for e in raised.value.errors)
    # nothing was stored: the email (when valid) is still free
    if "email" not in fields:
        user = await container.register_user()(email, "Valid Name", PASSWORD)
        assert user.email == email


async def test_boundary_lengths_are_accepted(container: Container) -> None:
    user = await container.register_user()(unique_email("edge"), "n" * 200, "x" * 8)
    assert user.full_name == "n" * 200
    other = await container.register_user()(unique_email("edge"), "N", "y" * 256)
    assert other.full_name == "N"


async def test_issue_token_for_valid_credentials(container: Container) -> None:
    email = unique_email("linus")
    user = await container.register_user()(email, "Linus", PASSWORD)

    issued = await container.issue_token()(email, PASSWORD)
    assert issued.token_type == "bearer"
    assert issued.expires_in == container.settings().jwt_ttl_seconds
    assert container.tokens().verify(issued.access_token) == Principal(user.id, Role.USER)

    # the email is matched case-insensitively and with surrounding blanks, like at registration
    again = await container.issue_token()(f"  {email.upper()} ", PASSWORD)
    assert container.tokens().verify(again.access_token) == Principal(user.id, Role.USER)
    assert again.access_token != issued.access_token  # every token has its own jti


async def test_issue_token_carries_the_admin_role(container: Container) -> None:
    email = unique_email("root")
    admin = await container.register_user()(email, "Root", PASSWORD, Role.ADMIN)
    issued = await container.issue_token()(email, PASSWORD)
    principal = container.tokens().verify(issued.access_token)
    assert principal == Principal(admin.id, Role.ADMIN)
    assert principal.is_admin


async def test_wrong_password_and_unknown_email_are_indistinguishable(container: Container) -> None:
    email = unique_email("margaret")
    await container.register_user()(email, "Margaret", PASSWORD)

    with pytest.raises(InvalidCredentials) as wrong_password:
        await container.issue_token()(email, PASSWORD + "!")
    with pytest.raises(InvalidCredentials) as unknown_email:
        await container.issue_token()(unique_email("nobody"), PASSWORD)
    with pytest.raises(InvalidCredentials) as empty_password:
        await container.issue_token()(email, "")

    assert wrong_password.value.detail == unknown_email.value.detail == empty_password.value.detail
    assert wrong_password.value.code == unknown_email.value.code == "invalid_credentials"
    assert wrong_password.value.extra == unknown_email.value.extra == {}
    assert str(wrong_password.value) == str(unknown_email.value)


async def test_get_profile(container: Container) -> None:
    email = unique_email("barbara")
    user = await container.register_user()(email, " Barbara Liskov", PASSWORD)

    profile = await container.get_profile()(Principal(user.id, user.role))
    assert profile.id == user.id
    assert profile.email == email
    assert profile.full_name == "Barbara Liskov"
    assert profile.role is Role.USER
    assert profile.kyc_status is KycStatus.UNVERIFIED
    assert profile.password_hash == user.password_hash
    assert profile.created_at == user.created_at


async def test_get_profile_of_a_vanished_user(container: Container) -> None:
    with pytest.raises(UserNotFound):
        await container.get_profile()(Principal(uuid.uuid4(), Role.USER))
