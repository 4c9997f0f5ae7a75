"""Money movements: deposits (admin), withdrawals and transfers. Each needs an Idempotency-Key; a replay
answers with the original status and body plus `Idempotent-Replayed: true`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.application.idempotency import MovementResult
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.bootstrap import Container
from paybridge.entrypoints.http import presenters
from paybridge.entrypoints.http.auth import authenticate
from paybridge.entrypoints.http.body import idempotency_key, read_json
from paybridge.entrypoints.http.encoding import json_response
from paybridge.entrypoints.http.routes.common import API


def _created(result: MovementResult) -> Response:
    headers = {"Location": f"{API}/transactions/{result.transaction.id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(presenters.transaction(result.transaction), 201, headers=headers)


def _single_wallet(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "wallet_id": UUID(body["wallet_id"]),
        "amount": body["amount"],
        "currency": body["currency"],
        "reference": body.get("reference"),
        "description": body.get("description"),
        "metadata": body.get("metadata"),
    }


def routes(container: Container) -> list[Route]:
    max_bytes = container.settings().max_body_bytes
    tokens = container.tokens()
    deposit_money = container.deposit_money()
    withdraw_money = container.withdraw_money()
    transfer_money = container.transfer_money()

    async def deposit(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "Deposit", max_bytes)
        return _created(await deposit_money(principal, DepositCommand(**_single_wallet(body)), key))

    async def withdraw(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "Withdrawal", max_bytes)
        return _created(await withdraw_money(principal, WithdrawalCommand(**_single_wallet(body)), key))

    async def transfer(request: Request) -> Response:
        principal = authenticate(request, tokens)
        key = idempotency_key(request)
        body = await read_json(request, "Transfer", max_bytes)
        command = TransferCommand(
            source_wallet_id=UUID(body["source_wallet_id"]),
            destination_wallet_id=UUID(body["destination_wallet_id"]),
            amount=body["amount"],
            currency=body["currency"],
            description=body.get("description"),
            metadata=body.get("metadata"),
        )
        return _created(await transfer_money(principal, command, key))

    return [
        Route(f"{API}/deposits", deposit, methods=["POST"], name="deposit"),
        Route(f"{API}/withdrawals", withdraw, methods=["POST"], name="withdraw"),
        Route(f"{API}/transfers", transfer, methods=["POST"], name="transfer"),
    ]
