"""JSON logs, one object per line on stdout (python-json-logger, orjson backend).

Every line has `time` (RFC 3339, UTC, milliseconds: `2026-11-28T10:13:49.836Z`), `level`, `logger` and `msg`,
plus the request context read from contextvars — `correlation_id`, `request_id`, `user_id`, `trace_id`, each
present only when known — plus whatever `extra=` the call passed, and for a record with an exception
`exc_type` (`ssl.SSLError`, `ValueError`), `exc_message` and `exc_info`, the traceback.

Secrets are never logged by callers (request bodies and headers are not logged at all). As a second line of
defence every formatted line is scrubbed: bearer/basic credentials, anything shaped like a JWT, the password
of a URL (`postgresql://user:secret@host`), `password=` pairs, argon2 hashes, fields named like secrets, and
the literal secrets the service was configured with (the JWT secret, the database password) are replaced by
`[REDACTED]`. Python warnings go through this handler, and so do crashes (uncaught exceptions in any thread,
exceptions Python ignores, a crashed worker process: `paybridge.adapters.logging.crash`), so a traceback never
reaches the output as plain text.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
from pythonjsonlogger.orjson import OrjsonFormatter

from paybridge.adapters.logging.crash import install_crash_hooks
from paybridge.application.context import current_context

SENSITIVE_FIELDS = frozenset(
    {"password", "authorization", "access_token", "token", "secret", "jwt_secret", "database_url"}
)
CONTEXT_FIELDS = ("correlation_id", "request_id", "user_id", "trace_id")
REDACTED = "[REDACTED]"
MIN_LITERAL_SECRET = 6  # shorter configured "secrets" would redact ordinary words
_NOISY_LOGGERS = ("hypercorn.access", "psycopg.pool", "yoyo", "pgserver")  # WARNING+ unless DEBUG

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]+"), rf"\1\2{REDACTED}"),
    (re.compile(r"\b(Basic)(\s+)[A-Za-z0-9+/=]{8,}"), rf"\1\2{REDACTED}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"(://[^:/?#@\s\"']*:)[^@/\s\"']+@"), rf"\1{REDACTED}@"),
    (re.compile(r"(?i)\b(password|passwd|pwd)=[^\s&;\"']+"), rf"\1={REDACTED}"),
    (re.compile(r"\$argon2(?:id|i|d)\$[^\s\"',)]+"), REDACTED),
)


# Every pattern above needs one of these in the text (compared case-folded, so a superset): a line without
# any is left as it is, without six regular expression passes (the access log line: ~33 -> ~3 µs).
_TRIGGERS = ("bearer", "basic", "eyj", "://", "passw", "pwd", "$argon2")


def rfc3339(created: float) -> str:
    """`created` (a Unix timestamp) as RFC 3339 in UTC with milliseconds and a `Z`."""
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Scrubber:
    """Replaces credential-shaped text and the configured literal secrets in a formatted line."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        literals: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_LITERAL_SECRET:
                literals.add(secret)
                literals.add(orjson.dumps(secret).decode()[1:-1])  # as it appears inside a JSON string
        ordered = sorted(literals, key=len, reverse=True)
        self._literal_list = tuple(ordered)  # `in` finds them much faster than the alternation below
        self._literals = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._literals is not None and any(secret in text for secret in self._literal_list):
            text = self._literals.sub(REDACTED, text)
        lowered = text.casefold()
        if not any(trigger in lowered for trigger in _TRIGGERS):
            return text
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = current_context()
        for name in CONTEXT_FIELDS:
            if getattr(record, name, None) is not None:
                continue
            value = getattr(context, name)
            if value is not None:
                setattr(record, name, value)
            elif name in record.__dict__:
                delattr(record, name)  # an explicit `extra={"user_id": None}`: omitted, like unknown ids
        for name in SENSITIVE_FIELDS:
            if hasattr(record, name):
                setattr(record, name, REDACTED)
        return True


class JsonFormatter(OrjsonFormatter):
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "message": "msg"},
        )
        self._scrub = Scrubber(secrets)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return rfc3339(record.created)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            log_data["exc_type"] = exception_type(error)
            log_data["exc_message"] = str(error)

    def format(self, record: logging.LogRecord) -> str:
        return self._scrub(super().format(record))


def exception_type(error: BaseException) -> str:
    """`ValueError` for a builtin, else the qualified name: `psycopg.errors.UndefinedTable`."""
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def json_formatter(secrets: Iterable[str | None] = ()) -> logging.Formatter:
    return JsonFormatter(secrets)


def json_handler(stream: TextIO, secrets: Iterable[str | None] = ()) -> logging.Handler:
    """A handler writing JSON lines (scrubbed of `secrets`) with the request context to `stream`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter(secrets))
    handler.addFilter(RequestContextFilter())
    return handler


def configure_logging(
    level: str = "INFO", stream: TextIO | None = None, secrets: Iterable[str | None] = ()
) -> None:
    """Replaces the root logger's handlers with one JSON handler on `stream` (stdout by default).

    `secrets` are literal values never to print (the JWT secret, the database password). Crashes are written
    by the same handler (`install_crash_hooks`)."""
    handler = json_handler(stream or sys.stdout, secrets)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in _NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.captureWarnings(True)  # `warnings.warn` becomes a JSON line from logger "py.warnings"
    install_crash_hooks(handler)


def configure_crash_logging(stream: TextIO | None = None) -> None:
    """The crash hooks alone, on a JSON handler of their own on `stream` (stderr by default), for a process
    that has not configured its logging yet: the `paybridge` command before its subcommand runs, a worker
    process before it builds the app. A later `configure_logging` moves them to its handler."""
    install_crash_hooks(json_handler(stream or sys.stderr))


def log_fields(**fields: Any) -> dict[str, Any]:
    return {k: (REDACTED if k in SENSITIVE_FIELDS else v) for k, v in fields.items()}
