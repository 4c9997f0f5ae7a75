"""Settings of the outbox relay (`paybridge relay`) and the `paybridge outbox` commands, read from the
environment (PAYBRIDGE_NATS_*, PAYBRIDGE_RELAY_*) like `paybridge.config.Settings`, and validated once.

`nats_url` is None when PAYBRIDGE_NATS_URL is unset: the API runs without a broker (events wait in the
outbox) and `paybridge relay` refuses to start with a configuration error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from paybridge.config import ConfigurationError, _Reader

_SUBJECT_PREFIX = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_STREAM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NATS_SCHEMES = ("nats", "tls", "ws", "wss")


def _nats_url_problem(url: str) -> str | None:
    """Why `url` is not one NATS server URL (scheme://host[:port]), or None. The client would otherwise find
    out at connect time, and the relay retries connect errors as if the network were down — forever."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError as error:
        return str(error)
    if parts.scheme not in _NATS_SCHEMES:
        return f"the scheme must be one of {', '.join(_NATS_SCHEMES)}"
    if not parts.hostname:
        return "it names no host"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "it has a path, query or fragment"
    return None


@dataclass(frozen=True, slots=True)
class RelaySettings:
    nats_url: str | None = None
    stream: str = "PAYBRIDGE"
    subject_prefix: str = "paybridge.events"
    duplicate_window_seconds: float = 120.0
    max_msg_size: int = 0  # bytes; 0 leaves the server's limit
    replicas: int = 1
    publish_timeout_seconds: float = 5.0
    batch_size: int = 100
    poll_interval_seconds: float = 0.5  # the fallback when no NOTIFY arrives
    max_attempts: int = 10
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 300.0
    retention_seconds: float = 7 * 86_400.0
    purge_interval_seconds: float = 300.0
    purge_batch_size: int = 1000
    stats_interval_seconds: float = 5.0
    health_bind: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RelaySettings:
        env = os.environ if environ is None else environ
        read = _Reader(env)
        d = cls()
        settings = cls(
            nats_url=env.get("PAYBRIDGE_NATS_URL") or None,
            stream=env.get("PAYBRIDGE_NATS_STREAM") or d.stream,
            subject_prefix=env.get("PAYBRIDGE_NATS_SUBJECT_PREFIX") or d.subject_prefix,
            duplicate_window_seconds=read.number(
                "PAYBRIDGE_NATS_DUPLICATE_WINDOW_SECONDS", d.duplicate_window_seconds
            ),
            max_msg_size=read.integer("PAYBRIDGE_NATS_MAX_MSG_SIZE", d.max_msg_size, 0),
            replicas=read.integer("PAYBRIDGE_NATS_REPLICAS", d.replicas, 1),
            publish_timeout_seconds=read.number(
                "PAYBRIDGE_NATS_PUBLISH_TIMEOUT_SECONDS", d.publish_timeout_seconds
            ),
            batch_size=read.integer("PAYBRIDGE_RELAY_BATCH_SIZE", d.batch_size, 1),
            poll_interval_seconds=read.number(
                "PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS", d.poll_interval_seconds
            ),
            max_attempts=read.integer("PAYBRIDGE_RELAY_MAX_ATTEMPTS", d.max_attempts, 1),
            backoff_base_seconds=read.number("PAYBRIDGE_RELAY_BACKOFF_BASE_SECONDS", d.backoff_base_seconds),
            backoff_max_seconds=read.number("PAYBRIDGE_RELAY_BACKOFF_MAX_SECONDS", d.backoff_max_seconds),
            retention_seconds=read.number("PAYBRIDGE_RELAY_RETENTION_SECONDS", d.retention_seconds),
            purge_interval_seconds=read.number(
                "PAYBRIDGE_RELAY_PURGE_INTERVAL_SECONDS", d.purge_interval_seconds
            ),
            purge_batch_size=read.integer("PAYBRIDGE_RELAY_PURGE_BATCH_SIZE", d.purge_batch_size, 1),
            stats_interval_seconds=read.number(
                "PAYBRIDGE_RELAY_STATS_INTERVAL_SECONDS", d.stats_interval_seconds
            ),
            health_bind=env.get("PAYBRIDGE_RELAY_HEALTH_BIND") or None,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        problem = None if self.nats_url is None else _nats_url_problem(self.nats_url)
        if problem is not None:
            raise ConfigurationError(
                f"PAYBRIDGE_NATS_URL must be one NATS server URL such as nats://nats:4222 ({problem})"
            )
        if not _STREAM_NAME.fullmatch(self.stream):
            raise ConfigurationError(
                f"PAYBRIDGE_NATS_STREAM must be 1-64 letters, digits, '_' or '-', got {self.stream!r}"
            )
        if not _SUBJECT_PREFIX.fullmatch(self.subject_prefix):
            raise ConfigurationError(
                "PAYBRIDGE_NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, '_' or '-',"
                f" got {self.subject_prefix!r}"
            )
        if self.backoff_base_seconds > self.backoff_max_seconds:
            raise ConfigurationError(
                "PAYBRIDGE_RELAY_BACKOFF_BASE_SECONDS must not exceed PAYBRIDGE_RELAY_BACKOFF_MAX_SECONDS"
            )

    def require_nats_url(self) -> str:
        if not self.nats_url:
            raise ConfigurationError(
                "PAYBRIDGE_NATS_URL is not set: the relay needs a NATS server with JetStream"
                " (e.g. nats://127.0.0.1:4222); without it events stay in the outbox"
            )
        return self.nats_url
