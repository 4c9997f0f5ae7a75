"""Who is the client? `TrustedProxyMiddleware` believes `X-Forwarded-For` / `X-Forwarded-Proto` only from
the proxies named in PAYBRIDGE_TRUSTED_PROXIES (CIDRs; none by default).

Without trusted proxies the client is the TCP peer, whatever headers say: a client cannot pick the address
rate limits and logs see by sending `X-Forwarded-For`. When the peer is a trusted proxy, `X-Forwarded-For` is
read from the right (the entry the nearest proxy appended) leftwards, skipping further trusted proxies; the
first untrusted address is the client. An entry that is not an IP address ends the walk (the last address
reached is kept). `X-Forwarded-Proto` from a trusted peer sets the scheme (TLS terminated at the proxy),
which decides `Strict-Transport-Security`.

The resolved address replaces `scope["client"]` in place — the scope dict is shared with the outer metrics
middleware, which reads the matched route from it — so the access log, rate limits and the login throttle
all see the same client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str) -> IpAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, trusted: Sequence[IpNetwork]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted:
            self._resolve(scope)
        await self.app(scope, receive, send)

    def is_trusted(self, address: IpAddress) -> bool:
        return any(address in network for network in self.trusted)

    def _resolve(self, scope: Scope) -> None:
        peer = scope.get("client")
        address = parse_ip(peer[0]) if peer else None
        if address is None or not self.is_trusted(address):
            return
        forwarded: list[str] = []
        proto: str | None = None
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                forwarded.extend(value.decode("latin-1").split(","))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
        for entry in reversed(forwarded):
            if not self.is_trusted(address):
                break
            candidate = parse_ip(entry)
            if candidate is None:
                break
            address = candidate
        if peer is not None and str(address) != peer[0]:
            scope["client"] = (str(address), 0)
        if proto in ("http", "https"):
            scope["scheme"] = proto
