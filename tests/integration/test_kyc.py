"""KYC over HTTP on PostgreSQL: submission, administrators' decisions, the policy on sending money."""

from __future__ import annotations

import uuid

import httpx
import pytest

from paybridge.bootstrap import Container
from tests.integration.conftest import deposit, open_wallet, register, register_admin
from tests.support.containers import outbox_events
from tests.support.http_checks import assert_problem, assert_schema

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


async def test_submit_decide_and_the_sending_policy(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    admin = await register_admin(client, app_container)
    other_admin = await register_admin(client, app_container)
    ada, bob = await register(client, verified=False), await register(client)
    a, b = await open_wallet(client, ada), await open_wallet(client, bob)
    await deposit(client, admin, a["id"], 1_000)
    await deposit(client, admin, b["id"], 1_000)

    send = {"source_wallet_id": a["id"], "destination_wallet_id": b["id"], "amount": 100, "currency": "USD"}
    assert_problem(await client.post(f"{API}/transfers", json=send, headers=ada.idem()), 422, "kyc_required")
    received = await client.post(
        f"{API}/transfers",
        json={**send, "source_wallet_id": b["id"], "destination_wallet_id": a["id"]},
        headers=bob.idem(),
    )
    assert received.status_code == 201, received.text  # receiving needs no verification

    submitted = await client.post(f"{API}/users/me/kyc", json={}, headers=ada.headers)
    assert submitted.status_code == 200, submitted.text
    assert_schema("User", submitted.json())
    assert submitted.json()["kyc_status"] == "PENDING"
    assert_problem(
        await client.post(f"{API}/users/me/kyc", json={}, headers=ada.headers), 409, "kyc_transition_invalid"
    )
    assert_problem(
        await client.post(f"{API}/users/me/kyc", json={"x": 1}, headers=ada.headers), 400, "validation_error"
    )

    decide = f"{API}/admin/users/{ada.id}/kyc"
    assert_problem(
        await client.post(decide, json={"decision": "VERIFIED"}, headers=bob.headers), 403, "admin_required"
    )
    assert_problem(
        await client.post(
            f"{API}/admin/users/{admin.id}/kyc", json={"decision": "VERIFIED"}, headers=admin.headers
        ),
        403,
        "kyc_self_review",
    )
    assert_problem(
        await client.post(decide, json={"decision": "REJECTED"}, headers=admin.headers),
        400,
        "validation_error",
        "reason",
    )
    assert_problem(
        await client.post(decide, json={"decision": "PENDING"}, headers=admin.headers),
        400,
        "validation_error",
    )
    assert_problem(
        await client.post(
            f"{API}/admin/users/{uuid.uuid4()}/kyc", json={"decision": "VERIFIED"}, headers=admin.headers
        ),
        404,
        "user_not_found",
    )
    rejected = await client.post(
        decide, json={"decision": "REJECTED", "reason": "blurry"}, headers=admin.headers
    )
    assert rejected.json()["kyc_status"] == "REJECTED"
    await client.post(f"{API}/users/me/kyc", json={}, headers=ada.headers)
    verified = await client.post(decide, json={"decision": "VERIFIED"}, headers=other_admin.headers)
    assert verified.status_code == 200 and verified.json()["kyc_status"] == "VERIFIED"
    sent = await client.post(f"{API}/transfers", json=send, headers=ada.idem())
    assert sent.status_code == 201, sent.text

    kinds = [e["event_type"] for e in outbox_events(app_container) if e["aggregate_id"] == ada.id]
    assert kinds == [
        "user.created",
        "user.kyc_submitted",
        "user.kyc_rejected",
        "user.kyc_submitted",
        "user.kyc_verified",
    ]
    rejection = next(
        e
        for e in outbox_events(app_container)
        if e["aggregate_id"] == ada.id and e["event_type"] == "user.kyc_rejected"
    )
    assert rejection["payload"] == {
        "user_id": ada.id,
        "kyc_status": "REJECTED",
        "previous_status": "PENDING",
        "reason": "blurry",
        "decided_by": admin.id,
    }
