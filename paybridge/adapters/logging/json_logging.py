"""JSON logs, one object per line on stdout (python-json-logger, orjson backend).

Every line has `time` (RFC 3339, UTC, milliseconds: `2026-11-28T10:13:49.836Z`), `level`, `logger` and `msg`,
plus the request context read from contextvars — `correlation_id`, `request_id`, `user_id`, `trace_id`, each
present only when known — plus whatever `extra=` the call passed, and `exc_info` with the traceback.

Secrets are never logged by callers (request bodies and headers are not logged at all). As a second line of
defence every formatted line is scrubbed: bearer/basic credentials, anything shaped like a JWT, the password
of a URL (`postgresql://user:secret@host`), `password=` pairs, argon2 hashes, fields named like secrets, and
the literal secrets the service was configured with (the JWT secret, the database password) are replaced by
`[REDACTED]`. Python warnings and uncaught exceptions also go through this handler, so nothing else reaches
the output as plain text.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

import orjson
from pythonjsonlogger.orjson import OrjsonFormatter

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

    def format(self, record: logging.LogRecord) -> str:
        return self._scrub(super().format(record))


def json_formatter(secrets: Iterable[str | None] = ()) -> logging.Formatter:
    return JsonFormatter(secrets)


def configure_logging(
    level: str = "INFO", stream: TextIO | None = None, secrets: Iterable[str | None] = ()
) -> None:
    """Replaces the root logger's handlers with one JSON handler on `stream` (stdout by default).

    `secrets` are literal values never to print (the JWT secret, the database password)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(json_formatter(secrets))
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in _NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.captureWarnings(True)  # `warnings.warn` becomes a JSON line from logger "py.warnings"
    sys.excepthook = _log_uncaught


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("paybridge").critical("uncaught exception", exc_info=(kind, error, traceback))


def log_fields(**fields: Any) -> dict[str, Any]:
    return {k: (REDACTED if k in SENSITIVE_FIELDS else v) for k, v in fields.items()}
