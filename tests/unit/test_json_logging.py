"""The JSON log format: RFC 3339 times, the request context on every line, and secrets scrubbed from
whatever a line contains — message, extra fields or traceback."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from paybridge.adapters.logging.json_logging import (
    REDACTED,
    RequestContextFilter,
    Scrubber,
    json_formatter,
    rfc3339,
)
from paybridge.application.context import RequestContext, enter_context, exit_context

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
SECRET = "configured-jwt-secret-0123456789"


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter(secrets=[SECRET, 'db"pass\\word', None, "short"]))
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger(f"paybridge.test.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_time_is_rfc3339_utc_with_milliseconds() -> None:
    assert rfc3339(0.5) == "1970-01-01T00:00:00.500Z"
    assert rfc3339(1_795_000_000.1234) == "2026-11-18T11:06:40.123Z"  # date -u -d @1795000000


def test_base_fields_and_request_context(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    logger.info("outside any request")
    token = enter_context(RequestContext("req-1", "corr-1", None, "a" * 32))
    try:
        logger.warning("anonymous", extra={"user_id": None, "amount": 5})
    finally:
        exit_context(token)
    token = enter_context(RequestContext("req-2", "corr-2", "user-7", None))
    try:
        logger.info("authenticated %s", "work")
    finally:
        exit_context(token)
    outside, anonymous, authenticated = lines(stream)
    assert set(outside) == {"time", "level", "logger", "msg"}
    assert (outside["level"], outside["msg"]) == ("INFO", "outside any request")
    assert anonymous == {
        "time": anonymous["time"],
        "level": "WARNING",
        "logger": logger.name,
        "msg": "anonymous",
        "amount": 5,
        "correlation_id": "corr-1",
        "request_id": "req-1",
        "trace_id": "a" * 32,
    }  # user_id: omitted while unknown, even when passed explicitly as None
    assert (authenticated["msg"], authenticated["user_id"]) == ("authenticated work", "user-7")
    assert "trace_id" not in authenticated


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("header Authorization: Bearer abc.def-123", "abc.def-123"),
        (f"token {JWT} refused", JWT),
        ("connect postgresql://pay:hunter2@db:5432/pay failed", "hunter2"),
        ("conninfo host=db password=hunter2 user=pay", "hunter2"),
        ("row (1, $argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA) failed", "$argon2id$v=19"),
        (f"the secret is {SECRET}", SECRET),
        ("Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ],
)
def test_scrubber_removes_credentials(text: str, leaked: str) -> None:
    scrubbed = Scrubber([SECRET])(text)
    assert leaked not in scrubbed
    assert REDACTED in scrubbed


def test_scrubber_leaves_ordinary_text_alone() -> None:
    text = "basic checks passed; password policy: 12 characters; https://example.com/a:b"
    assert Scrubber([SECRET, "short"])(text) == text


def test_secrets_never_reach_a_line(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    logger.info("login", extra={"password": "hunter2-hunter2", "authorization": f"Bearer {JWT}"})
    try:
        raise ValueError(f'cannot use {SECRET} with Bearer {JWT} at postgresql://u:db"pass\\word@h/d')
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    for secret in ("hunter2-hunter2", JWT, SECRET, 'db"pass\\word', json.dumps('db"pass\\word')[1:-1]):
        assert secret not in text
    login, failed = lines(stream)
    assert login["password"] == login["authorization"] == REDACTED
    assert "ValueError" in failed["exc_info"] and "Traceback" in failed["exc_info"]
