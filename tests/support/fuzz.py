"""Schema fuzzing of a live `paybridge serve` with the schemathesis CLI.

The run uses the service's own /openapi.json plus OpenAPI `links` added here (so the stateful phase chains
what one operation creates into the next: a wallet into its deposits, entries and balance, a transaction
into its reversal, a hold into its capture), a config file that authenticates every request as a real user
(administrators' operations as a real administrator), and the checks of `FUZZ_CHECKS` — no 5xx, responses
that conform to the documented schemas, content types and headers, and every 4xx an RFC 9457 problem
(tests/support/fuzz_hooks.py).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.server import REPO_ROOT

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
FUZZ_CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "problem_json_for_4xx",
    "retry_after_when_retryable",
)
_WALLET = "$response.body#/id"
# source operation id -> status -> link name -> (target operation id, parameters, request body)
LINKS: dict[str, dict[str, dict[str, tuple[str, dict[str, str], dict[str, Any] | None]]]] = {
    "open_wallet": {
        "201": {
            "GetWallet": ("get_wallet", {"wallet_id": _WALLET}, None),
            "ListEntries": ("list_wallet_entries", {"wallet_id": _WALLET}, None),
            "GetBalance": ("get_wallet_balance", {"wallet_id": _WALLET}, None),
            "GetLimits": ("get_wallet_limits", {"wallet_id": _WALLET}, None),
            "Deposit": (
                "deposit",
                {},
                {"wallet_id": _WALLET, "amount": 10_000, "currency": "$response.body#/currency"},
            ),
            "Withdraw": (
                "withdraw",
                {},
                {"wallet_id": _WALLET, "amount": 100, "currency": "$response.body#/currency"},
            ),
            "Suspend": ("suspend_wallet", {"wallet_id": _WALLET}, None),
        }
    },
    "deposit": {
        "201": {
            "GetTransaction": ("get_transaction", {"transaction_id": "$response.body#/id"}, None),
            "Reverse": ("reverse_transaction", {"transaction_id": "$response.body#/id"}, None),
            "Withdraw": (
                "withdraw",
                {},
                {
                    "wallet_id": "$response.body#/destination_wallet_id",
                    "amount": 1,
                    "currency": "$response.body#/currency",
                },
            ),
        }
    },
    "withdraw": {
        "201": {"GetTransaction": ("get_transaction", {"transaction_id": "$response.body#/id"}, None)}
    },
    "transfer": {"201": {"Reverse": ("reverse_transaction", {"transaction_id": "$response.body#/id"}, None)}},
    "place_hold": {
        "201": {
            "GetHold": ("get_hold", {"hold_id": "$response.body#/id"}, None),
            "Capture": ("capture_hold", {"hold_id": "$response.body#/id"}, None),
            "Void": ("void_hold", {"hold_id": "$response.body#/id"}, None),
            "ListHolds": ("list_holds", {"wallet_id": "$response.body#/wallet_id"}, None),
        }
    },
    "register_user": {"201": {"DecideKyc": ("decide_kyc", {"user_id": "$response.body#/id"}, None)}},
    "suspend_wallet": {"200": {"Activate": ("activate_wallet", {"wallet_id": _WALLET}, None)}},
}


def with_links(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `spec` with LINKS added wherever both ends are documented."""
    linked = copy.deepcopy(dict(spec))
    operations = {
        op["operationId"]: op
        for item in linked["paths"].values()
        for op in item.values()
        if "operationId" in op
    }
    for source, by_status in LINKS.items():
        for status, links in by_status.items():
            response = operations.get(source, {}).get("responses", {}).get(status)
            if response is None:
                continue
            for name, (target, parameters, body) in links.items():
                if target not in operations:
                    continue
                link: dict[str, Any] = {"operationId": target}
                if parameters:
                    link["parameters"] = parameters
                if body is not None:
                    link["requestBody"] = body
                response.setdefault("links", {})[name] = link
    return linked


def admin_operations(spec: Mapping[str, Any]) -> list[str]:
    return sorted(
        op["operationId"]
        for path, item in spec["paths"].items()
        for op in item.values()
        if path.startswith("/api/v1/admin/") or op.get("operationId") == "deposit"
    )


@dataclass(frozen=True)
class FuzzBudget:
    max_examples: int
    max_time_seconds: int
    seed: int


def write_config(directory: Path, user_token: str, admin_token: str, admin_ops: Sequence[str]) -> Path:
    pattern = "^(" + "|".join(re.escape(op) for op in admin_ops) + ")$"
    config = "\n".join(
        [
            'hooks = "tests.support.fuzz_hooks"',
            "[headers]",
            f'Authorization = "Bearer {user_token}"',
            "[[operations]]",
            f"include-operation-id-regex = {json.dumps(pattern)}",
            f'headers = {{ Authorization = "Bearer {admin_token}" }}',
            "",
        ]
    )
    path = directory / "schemathesis.toml"
    path.write_text(config)
    return path


def run_schemathesis(
    spec: Mapping[str, Any],
    base_url: str,
    config: Path,
    budget: FuzzBudget,
    checks: Sequence[str] = FUZZ_CHECKS,
) -> subprocess.CompletedProcess[str]:
    spec_path = config.parent / "openapi.json"
    spec_path.write_text(json.dumps(spec))
    command = [
        SCHEMATHESIS,
        "--config-file",
        str(config),
        "run",
        str(spec_path),
        "--url",
        base_url,
        "--checks",
        ",".join(checks),
        "--max-examples",
        str(budget.max_examples),
        "--max-time",
        str(budget.max_time_seconds),
        "--seed",
        str(budget.seed),
        "--workers",
        "1",
        "--request-timeout",
        "30",
    ]
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**_env(), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=budget.max_time_seconds * 3 + 300,
        check=False,
    )


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
