"""OpenAPI operations of the payment flows (holds, reversals, exchange, KYC, wallet administration, limits,
balance history), merged into `openapi.OPERATIONS`: route name -> (summary, request schema, success status,
response schema, auth, extra parameters, error statuses)."""

from __future__ import annotations

from typing import Any

from paybridge.entrypoints.http.schema_parts import HOLD_STATUSES

Operation = tuple[str, str | None, int, str, bool, list[dict[str, Any]], list[int]]
_MONEY_ERRORS = [400, 401, 404, 409, 422, 503]
_ADMIN_ERRORS = [400, 401, 403, 404, 422]


def flow_operations(idempotency: dict[str, Any], paging: list[dict[str, Any]]) -> dict[str, Operation]:
    key = [idempotency]
    at = {
        "name": "at",
        "in": "query",
        "schema": {"type": "string", "format": "date-time"},
        "description": "RFC 3339 time with offset (default: now): the balance after the last entry at or before it",
    }
    return {
        "place_hold": (
            "Reserve money on an own wallet (two-phase payment); 422 kyc_required / insufficient_funds / "
            "limit_exceeded",
            "PlaceHold",
            201,
            "Hold",
            True,
            key,
            _MONEY_ERRORS,
        ),
        "list_holds": (
            "Holds on or to the caller's wallets (admins: all), newest first; one past its expiry is released "
            "first (and leaves a status-filtered page)",
            None,
            200,
            "HoldList",
            True,
            [
                *paging,
                {
                    "name": "wallet_id",
                    "in": "query",
                    "schema": {"type": "string", "format": "uuid"},
                    "description": "only holds on or to this wallet (one of the caller's; 404 otherwise)",
                },
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": HOLD_STATUSES}},
            ],
            [400, 401, 404],
        ),
        "get_hold": (
            "A hold (one past its expiry is released first)",
            None,
            200,
            "Hold",
            True,
            [],
            [401, 404],
        ),
        "capture_hold": (
            "Capture up to the held amount (default all); the rest is released",
            "CaptureHold",
            200,
            "Hold",
            True,
            key,
            _MONEY_ERRORS,
        ),
        "void_hold": ("Release a pending hold", "VoidHold", 200, "Hold", True, key, _MONEY_ERRORS),
        "reverse_transaction": (
            "Reverse all or part of a transaction (admin; the sender of a transfer within the window)",
            "ReverseTransaction",
            201,
            "Transaction",
            True,
            key,
            [400, 401, 403, 404, 409, 422, 503],
        ),
        "quote_exchange": (
            "Lock the current exchange rate for a short time",
            "QuoteExchange",
            201,
            "Quote",
            True,
            [],
            [400, 401, 422],
        ),
        "exchange": (
            "Exchange between two own wallets of different currencies (rounded down)",
            "Exchange",
            201,
            "Transaction",
            True,
            key,
            _MONEY_ERRORS,
        ),
        "set_exchange_rate": (
            "Create or replace a currency pair's rate (admin)",
            "SetExchangeRate",
            200,
            "ExchangeRate",
            True,
            [],
            [400, 401, 403, 422],
        ),
        "submit_kyc": (
            "Submit the caller's identity for verification",
            "SubmitKyc",
            200,
            "User",
            True,
            [],
            [400, 401, 409],
        ),
        "decide_kyc": (
            "Verify or reject a user's identity (admin, never one's own)",
            "DecideKyc",
            200,
            "User",
            True,
            [],
            [400, 401, 403, 404, 409],
        ),
        "suspend_wallet": (
            "Suspend a wallet (admin)",
            "ChangeWalletStatus",
            200,
            "Wallet",
            True,
            [],
            _ADMIN_ERRORS,
        ),
        "activate_wallet": (
            "Re-activate a suspended wallet (admin)",
            "ChangeWalletStatus",
            200,
            "Wallet",
            True,
            [],
            _ADMIN_ERRORS,
        ),
        "close_wallet": (
            "Close an empty wallet for good (admin)",
            "ChangeWalletStatus",
            200,
            "Wallet",
            True,
            [],
            _ADMIN_ERRORS,
        ),
        "set_wallet_limits": (
            "Set a wallet's own daily/monthly outgoing limits; null restores the currency default (admin)",
            "SetWalletLimits",
            200,
            "WalletLimits",
            True,
            [],
            _ADMIN_ERRORS,
        ),
        "get_wallet_limits": (
            "A wallet's outgoing limits and what is left of them today and this month (UTC)",
            None,
            200,
            "WalletLimits",
            True,
            [],
            [401, 404],
        ),
        "get_wallet_balance": (
            "A wallet's balance at a moment, from its ledger entries",
            None,
            200,
            "Balance",
            True,
            [at],
            [400, 401, 404],
        ),
    }
