"""NATS JetStream publisher (nats-py): the relay's broker.

Each event goes to `<subject_prefix>.<event_type>` as the JSON envelope of docs/events.md, with the header
`Nats-Msg-Id: <event id>` (JetStream drops a second message with the same id inside the stream's duplicate
window) and `Nats-Expected-Stream: <stream>` (a subject captured by another stream is refused, not silently
stored elsewhere). `publish` returns only after the stream's ack.

The stream (file storage, subjects `<subject_prefix>.>`) is created if absent and updated to this
configuration if present, on the first `available()` and again after every reconnection. The client
reconnects forever on its own; while it is disconnected `available()` is False and the relay claims
nothing, so a broker outage does not burn the events' attempts — they wait in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

import nats
import nats.errors
import nats.js.errors
import orjson
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from tenacity import AsyncRetrying, before_sleep_log, retry_if_exception_type, wait_exponential_jitter

from paybridge.application.ports.relay import OutboxEvent, PublishedAck, PublishFailed

logger = logging.getLogger("paybridge.relay")
_SUBJECT = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True, slots=True)
class StreamSettings:
    name: str = "PAYBRIDGE"
    subject_prefix: str = "paybridge.events"
    duplicate_window_seconds: float = 120.0
    max_msg_size: int = 0  # 0: the server's limit
    replicas: int = 1

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=[f"{self.subject_prefix}.>"],
            storage=StorageType.FILE,
            duplicate_window=self.duplicate_window_seconds,
            max_msg_size=self.max_msg_size or -1,
            num_replicas=self.replicas,
        )


class NatsJetStreamPublisher:
    def __init__(self, url: str, stream: StreamSettings, publish_timeout_seconds: float = 5.0) -> None:
        self._url = url
        self._stream = stream
        self._timeout = publish_timeout_seconds
        self._client: Client | None = None
        self._js: JetStreamContext | None = None
        self._stream_ready = False
        self._closing = False
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        """Connects, retrying with exponential backoff and jitter until the server answers (cancel to give
        up). Later disconnections are handled by the client's own reconnection."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type((OSError, TimeoutError, nats.errors.Error)),
            wait=wait_exponential_jitter(initial=0.5, max=10.0),
            before_sleep=before_sleep_log(logger, logging.WARNING, exc_info=True),
        ):
            with attempt:
                self._client = await nats.connect(
                    self._url,
                    name="paybridge-relay",
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    connect_timeout=5,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
        assert self._client is not None  # noqa: S101 - set by the successful attempt
        self._js = self._client.jetstream(timeout=self._timeout)
        logger.info("connected to NATS", extra={"stream": self._stream.name})

    async def close(self) -> None:
        self._closing = True
        client, self._client, self._js = self._client, None, None
        if client is not None and not client.is_closed:
            await client.close()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    async def available(self) -> bool:
        if not self.connected:
            return False
        if self._stream_ready:
            return True
        async with self._lock:
            if not self._stream_ready:
                try:
                    await self.ensure_stream()
                except (TimeoutError, nats.errors.Error):
                    logger.exception("cannot create or update the JetStream stream", extra=self._fields())
                    return False
        return self._stream_ready

    async def ensure_stream(self) -> None:
        """Creates the stream, or updates an existing one to this configuration. Raises nats errors."""
        js = self._require()
        config = self._stream.config()
        try:
            await js.stream_info(self._stream.name)
        except nats.js.errors.NotFoundError:
            await js.add_stream(config)
            logger.info("created the JetStream stream", extra=self._fields())
        else:
            try:
                await js.update_stream(config)
            except nats.js.errors.APIError:
                # e.g. a storage type that cannot change: the stream still exists and accepts our subjects
                logger.exception(
                    "could not update the JetStream stream; using it as it is", extra=self._fields()
                )
        self._stream_ready = True

    async def publish(self, event: OutboxEvent) -> PublishedAck:
        subject = f"{self._stream.subject_prefix}.{event.event_type}"
        if not _SUBJECT.fullmatch(subject):
            raise PublishFailed("invalid_subject", f"{subject!r} is not a valid NATS subject")
        js = self._js
        if js is None or not self.connected:
            raise PublishFailed("not_connected", "not connected to NATS")
        try:
            body = orjson.dumps(event.envelope())
        except orjson.JSONEncodeError as error:  # e.g. an integer beyond 64 bits in a hand-written payload
            raise PublishFailed("invalid_payload", f"cannot encode the payload: {error}") from error
        try:
            ack = await js.publish(
                subject, body, stream=self._stream.name, headers={"Nats-Msg-Id": str(event.id)}
            )
        except nats.js.errors.NoStreamResponseError as error:
            self._stream_ready = False  # deleted under us? re-create before the next batch
            raise PublishFailed("no_stream", f"no stream answered for {subject}") from error
        except nats.js.errors.APIError as error:
            raise PublishFailed("rejected", f"{error.description} (code {error.err_code})") from error
        except nats.errors.MaxPayloadError as error:
            raise PublishFailed("too_large", f"{len(body)} bytes exceed the server's max payload") from error
        except (TimeoutError, nats.errors.TimeoutError) as error:
            raise PublishFailed("timeout", f"no ack within {self._timeout:g}s") from error
        except nats.errors.Error as error:
            raise PublishFailed("broker_error", f"{type(error).__name__}: {error}") from error
        return PublishedAck(stream=ack.stream, sequence=ack.seq, duplicate=bool(ack.duplicate))

    def _require(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("connect() first")
        return self._js

    def _fields(self) -> dict[str, object]:
        return {"stream": self._stream.name, "subjects": f"{self._stream.subject_prefix}.>"}

    async def _on_error(self, error: Exception) -> None:
        logger.warning("NATS client error", exc_info=error)

    async def _on_disconnected(self) -> None:
        if self._closing:
            return
        logger.warning("disconnected from NATS; reconnecting")

    async def _on_reconnected(self) -> None:
        self._stream_ready = False  # a replaced server may lack the stream: verify before publishing again
        logger.info("reconnected to NATS")
