"""Which address is the client: X-Forwarded-For is believed only from trusted proxies, read right to left."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from paybridge.entrypoints.http.client_ip import TrustedProxyMiddleware, parse_ip
from paybridge.entrypoints.http.rate_limit import address_key


async def _resolve(
    trusted: list[str], peer: str, forwarded: list[str], proto: str | None = None
) -> tuple[str, str]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    if proto is not None:
        headers.append((b"x-forwarded-proto", proto.encode()))
    scope = {"type": "http", "scheme": "http", "client": (peer, 5000), "headers": headers}
    middleware = TrustedProxyMiddleware(app, [ipaddress.ip_network(n) for n in trusted])
    await middleware(scope, None, None)  # type: ignore[arg-type]
    assert seen is not None
    return seen["client"][0], seen["scheme"]


CASES = [
    # no trusted proxies (the default): headers are ignored, whatever they say
    ([], "203.0.113.9", ["1.2.3.4"], "203.0.113.9"),
    ([], "10.0.0.2", ["1.2.3.4"], "10.0.0.2"),
    # an untrusted peer cannot pretend to be a proxy
    (["10.0.0.0/8"], "203.0.113.9", ["1.2.3.4"], "203.0.113.9"),
    # one trusted proxy: the entry it appended is the client; entries further left are the client's own claims
    (["10.0.0.0/8"], "10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
    (["10.0.0.0/8"], "10.0.0.2", ["6.6.6.6, 198.51.100.7"], "198.51.100.7"),
    (["10.0.0.0/8"], "10.0.0.2", ["6.6.6.6", "198.51.100.7"], "198.51.100.7"),  # two header lines
    # a chain of trusted proxies is skipped
    (["10.0.0.0/8"], "10.0.0.2", ["6.6.6.6, 198.51.100.7, 10.1.1.1"], "198.51.100.7"),
    # garbage ends the walk: the last address reached stands
    (["10.0.0.0/8"], "10.0.0.2", ["198.51.100.7, nonsense"], "10.0.0.2"),
    (["10.0.0.0/8"], "10.0.0.2", ["nonsense, 198.51.100.7"], "198.51.100.7"),
    # no header from a trusted proxy: the proxy itself
    (["10.0.0.0/8"], "10.0.0.2", [], "10.0.0.2"),
    # ports and IPv6
    (["10.0.0.0/8"], "10.0.0.2", ["198.51.100.7:4321"], "198.51.100.7"),
    (["::1/128"], "::1", ["[2001:db8::5]:443"], "2001:db8::5"),
    (["::1/128"], "::1", ["2001:db8::5"], "2001:db8::5"),
]


@pytest.mark.parametrize(("trusted", "peer", "forwarded", "client"), CASES)
async def test_client_address(trusted: list[str], peer: str, forwarded: list[str], client: str) -> None:
    assert (await _resolve(trusted, peer, forwarded))[0] == client


async def test_forwarded_proto_only_from_a_trusted_peer() -> None:
    assert (await _resolve(["10.0.0.0/8"], "10.0.0.2", [], "https"))[1] == "https"
    assert (await _resolve(["10.0.0.0/8"], "10.0.0.2", [], "http, https"))[1] == "https"
    assert (await _resolve(["10.0.0.0/8"], "10.0.0.2", [], "gopher"))[1] == "http"
    assert (await _resolve(["10.0.0.0/8"], "203.0.113.9", [], "https"))[1] == "http"
    assert (await _resolve([], "10.0.0.2", [], "https"))[1] == "http"


def test_parse_ip() -> None:
    assert str(parse_ip(" 192.0.2.1 ")) == "192.0.2.1"
    assert parse_ip("unknown") is None
    assert parse_ip("") is None


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.1", "ip:192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::/64"),  # one host owns its whole /64
        ("2001:db8:1:2:ffff::1", "ip:2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "ip:192.0.2.1"),
        ("testclient", "ip:testclient"),
    ],
)
def test_rate_limit_keys_by_address(host: str, key: str) -> None:
    assert address_key(host) == key
