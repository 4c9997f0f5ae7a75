"""Schemathesis hooks of the schema-fuzzing run (loaded through the `hooks` setting of its config file).

`problem_json_for_4xx`: every 4xx answer is an RFC 9457 problem — `Content-Type: application/problem+json`
and a JSON object with the fields every PayBridge problem carries, its `status` equal to the HTTP status.
`retry_after_when_retryable`: a 503, 429 or 409 `idempotency_in_progress` tells the client when to retry.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

PROBLEM_FIELDS = ("type", "title", "status", "detail", "code")


@schemathesis.check
def problem_json_for_4xx(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    if not 400 <= response.status_code < 500:
        return None
    content_type = ";".join(response.headers.get("content-type", []))
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(
            f"a {response.status_code} answer is {content_type!r}, not application/problem+json"
        )
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"a {response.status_code} problem is not JSON: {error}") from None
    missing = [name for name in PROBLEM_FIELDS if not isinstance(body, dict) or name not in body]
    if missing:
        raise AssertionError(f"a {response.status_code} problem lacks {missing}: {body!r}")
    if body["status"] != response.status_code:
        raise AssertionError(f"problem status {body['status']} differs from HTTP {response.status_code}")
    return True


@schemathesis.check
def retry_after_when_retryable(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    retryable = response.status_code in (429, 503)
    if response.status_code == 409:
        try:
            retryable = json.loads(response.content).get("code") == "idempotency_in_progress"
        except (ValueError, AttributeError):
            retryable = False
    if retryable and not response.headers.get("retry-after"):
        raise AssertionError(f"a retryable {response.status_code} answer has no Retry-After header")
    return True if retryable else None
