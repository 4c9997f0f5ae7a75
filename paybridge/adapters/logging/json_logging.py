"""JSON logs, one object per line on stdout (python-json-logger, orjson backend): `time, level, logger,
msg` plus the request context (correlation_id, request_id, user_id, trace_id) read from contextvars, plus
whatever `extra=` the call passed. Secrets are never logged by callers; `redact` guards known field names."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from pythonjsonlogger.orjson import OrjsonFormatter

from paybridge.application.context import current_context

SENSITIVE_FIELDS = frozenset({"password", "authorization", "access_token", "token", "secret", "jwt_secret"})
REDACTED = "[REDACTED]"


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = current_context()
        for name in ("correlation_id", "request_id", "user_id", "trace_id"):
            value = getattr(context, name)
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        for name in SENSITIVE_FIELDS:
            if hasattr(record, name):
                setattr(record, name, REDACTED)
        return True


def json_formatter() -> logging.Formatter:
    return OrjsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "message": "msg"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Replaces the root logger's handlers with one JSON handler on `stream` (stdout by default)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("hypercorn.access", "psycopg.pool", "yoyo"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def log_fields(**fields: Any) -> dict[str, Any]:
    return {k: (REDACTED if k in SENSITIVE_FIELDS else v) for k, v in fields.items()}
