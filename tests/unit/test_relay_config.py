"""`RelaySettings.from_env`: defaults, parsing and refusals."""

from __future__ import annotations

import pytest

from paybridge.config import ConfigurationError
from paybridge.relay_config import RelaySettings


def test_defaults_need_no_environment_but_the_relay_needs_a_nats_url() -> None:
    settings = RelaySettings.from_env({})
    assert settings == RelaySettings()
    assert (settings.stream, settings.subject_prefix) == ("PAYBRIDGE", "paybridge.events")
    assert settings.nats_url is None
    with pytest.raises(ConfigurationError, match="PAYBRIDGE_NATS_URL is not set"):
        settings.require_nats_url()


def test_everything_is_read_from_the_environment() -> None:
    settings = RelaySettings.from_env(
        {
            "PAYBRIDGE_NATS_URL": "nats://nats:4222",
            "PAYBRIDGE_NATS_STREAM": "EVENTS",
            "PAYBRIDGE_NATS_SUBJECT_PREFIX": "acme.pay",
            "PAYBRIDGE_NATS_MAX_MSG_SIZE": "65536",
            "PAYBRIDGE_RELAY_BATCH_SIZE": "500",
            "PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS": "0.25",
            "PAYBRIDGE_RELAY_MAX_ATTEMPTS": "4",
            "PAYBRIDGE_RELAY_RETENTION_SECONDS": "3600",
            "PAYBRIDGE_RELAY_HEALTH_BIND": "0.0.0.0:9465",
        }
    )
    assert settings.require_nats_url() == "nats://nats:4222"
    assert (settings.stream, settings.subject_prefix, settings.max_msg_size) == ("EVENTS", "acme.pay", 65536)
    assert (settings.batch_size, settings.poll_interval_seconds, settings.max_attempts) == (500, 0.25, 4)
    assert (settings.retention_seconds, settings.health_bind) == (3600.0, "0.0.0.0:9465")


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("PAYBRIDGE_NATS_STREAM", "MY.STREAM", "PAYBRIDGE_NATS_STREAM"),
        ("PAYBRIDGE_NATS_SUBJECT_PREFIX", "a.*", "PAYBRIDGE_NATS_SUBJECT_PREFIX"),
        ("PAYBRIDGE_NATS_SUBJECT_PREFIX", "a..b", "PAYBRIDGE_NATS_SUBJECT_PREFIX"),
        ("PAYBRIDGE_RELAY_BATCH_SIZE", "0", "PAYBRIDGE_RELAY_BATCH_SIZE"),
        ("PAYBRIDGE_RELAY_MAX_ATTEMPTS", "x", "PAYBRIDGE_RELAY_MAX_ATTEMPTS"),
        ("PAYBRIDGE_RELAY_BACKOFF_BASE_SECONDS", "600", "BACKOFF_BASE"),
        ("PAYBRIDGE_NATS_URL", "nats://127.0.0.1:42x2", "PAYBRIDGE_NATS_URL.*Port could not be cast"),
        ("PAYBRIDGE_NATS_URL", "nats://127.0.0.1:99999", "PAYBRIDGE_NATS_URL.*out of range"),
        ("PAYBRIDGE_NATS_URL", "http://nats:4222", "PAYBRIDGE_NATS_URL.*scheme"),
        ("PAYBRIDGE_NATS_URL", "nats:4222", "PAYBRIDGE_NATS_URL.*no host"),
        ("PAYBRIDGE_NATS_URL", "nats://:4222", "PAYBRIDGE_NATS_URL.*no host"),
        ("PAYBRIDGE_NATS_URL", "nats://a:4222,nats://b:4222", "PAYBRIDGE_NATS_URL"),
        ("PAYBRIDGE_NATS_URL", "nats://nats:4222/stream", "PAYBRIDGE_NATS_URL.*path"),
    ],
)
def test_bad_values_are_refused(name: str, value: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint):
        RelaySettings.from_env({name: value})


@pytest.mark.parametrize(
    "url",
    [
        "nats://nats:4222",
        "nats://nats",
        "tls://user:pass@nats.example:4443",
        "wss://nats.example/",
        "nats://[::1]:4222",
    ],
)
def test_nats_server_urls_are_accepted(url: str) -> None:
    assert RelaySettings.from_env({"PAYBRIDGE_NATS_URL": url}).require_nats_url() == url
