"""The served OpenAPI description matches the app: OpenAPI 3.1, one operation per (route, method) and no
others, every $ref resolves, request bodies reference the validator's own schemas, and the document is a
valid OpenAPI 3.1 description (openapi-spec-validator, when installed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.app import create_app
from paybridge.entrypoints.http.request_schemas import REQUESTS
from paybridge.entrypoints.http.response_schemas import RESPONSES

pytestmark = [pytest.mark.integration, pytest.mark.contract]

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_CONVERTOR = re.compile(r"{(\w+):\w+}")


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def app_operations(container: Container) -> set[tuple[str, str]]:
    app = create_app(container)
    operations: set[tuple[str, str]] = set()
    for route in app.routes:
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        path = _CONVERTOR.sub(r"{\1}", route.path)
        for method in route.methods or set():
            if method != "HEAD":
                operations.add((path, method.lower()))
    return operations


def spec_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from refs(value, f"{where}/{index}")


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are expected, got {ref!r}"
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and token in node, f"{ref} does not resolve (at {token!r})"
        node = node[token]
    return node


async def test_is_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert isinstance(spec["paths"], dict) and spec["paths"]


async def test_every_route_is_documented_and_nothing_else(
    spec: dict[str, Any], app_container: Container
) -> None:
    documented = {(path, method) for path, method, _ in spec_operations(spec)}
    served = app_operations(app_container)
    assert served, "the app has no routes?"
    assert served - documented == set(), "routes missing from the OpenAPI description"
    assert documented - served == set(), "documented operations the app does not serve"
    assert {"/api/v1/wallets/{wallet_id}", "/api/v1/transactions/{transaction_id}"} <= set(spec["paths"])


async def test_operation_ids_are_unique_and_path_parameters_declared(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in spec_operations(spec)]
    assert len(ids) == len(set(ids)), ids
    for path, method, operation in spec_operations(spec):
        templated = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == templated, f"{method.upper()} {path}: path parameters {declared} vs {templated}"
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["required"] is True
        statuses = [int(code) for code in operation["responses"]]
        assert any(200 <= code < 300 for code in statuses), f"{method.upper()} {path} has no success response"


async def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    found = list(refs(spec))
    assert found, "expected $refs into components"
    for where, ref in found:
        target = resolve(spec, ref)
        assert isinstance(target, dict), f"{where}: {ref} resolves to {target!r}"


async def test_every_request_body_references_a_component_schema(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    bodies = 0
    for path, method, operation in spec_operations(spec):
        if method == "post":
            assert "requestBody" in operation, f"POST {path} documents no request body"
        if "requestBody" not in operation:
            continue
        bodies += 1
        content = operation["requestBody"]["content"]
        assert set(content) == {"application/json"}, f"{method.upper()} {path}: {set(content)}"
        ref = content["application/json"]["schema"]["$ref"]
        name = ref.removeprefix("#/components/schemas/")
        assert ref == f"#/components/schemas/{name}" and name in schemas, ref
        # The documented schema is exactly the one the request validator enforces.
        assert schemas[name] == REQUESTS[name], name
        Draft202012Validator.check_schema(schemas[name])
        # every JSON body is read by read_json, which answers these (tests/integration/validation/ proves it)
        assert {"413", "415"} <= set(operation["responses"]), f"{method.upper()} {path}"
    # users, auth/token, wallets, deposits, withdrawals, transfers; and the payment flows: holds (place,
    # capture, void), reverse, exchanges (quote, exchange), users/me/kyc, admin (kyc, suspend, activate,
    # close, limits, rates)
    assert bodies == 6 + 3 + 1 + 2 + 1 + 6


async def test_components_carry_every_response_schema(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name, schema in RESPONSES.items():
        assert schemas[name] == schema, name
    for name in ("WalletList", "TransactionList", "LedgerEntryList"):
        assert name in schemas
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert isinstance(schema, dict), name


async def test_problem_responses_and_security_are_documented(spec: dict[str, Any]) -> None:
    public_api = {"/api/v1/users", "/api/v1/auth/token"}
    for path, method, operation in spec_operations(spec):
        if not path.startswith("/api/"):
            continue  # probes, metrics and this document: their failures are reported in their own body
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, f"{method.upper()} {path} {code}"
        if path in public_api:
            assert "security" not in operation, f"{method.upper()} {path} should be public"
            assert "400" in operation["responses"], f"{method.upper()} {path} does not document 400"
        else:
            assert operation["security"] == [{"bearer": []}], f"{method.upper()} {path}"
            assert "401" in operation["responses"], f"{method.upper()} {path} does not document 401"
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_money_movements_document_the_idempotency_key(spec: dict[str, Any]) -> None:
    for path in ("/api/v1/deposits", "/api/v1/withdrawals", "/api/v1/transfers"):
        operation = spec["paths"][path]["post"]
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [(h["name"], h["required"]) for h in headers] == [("Idempotency-Key", True)], path
        assert headers[0]["schema"]["maxLength"] == 255
        assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
        for status in ("409", "422", "503"):
            assert status in operation["responses"], f"{path} does not document {status}"


async def test_spec_is_a_valid_openapi_3_1_document(spec: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator not installed")
    validator.validate(spec)
    assert validator.OpenAPIV31SpecValidator(spec).is_valid()
