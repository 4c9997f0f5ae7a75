"""The separate metrics listener of `paybridge serve --metrics-bind HOST:PORT`: a small threaded HTTP server
in the supervisor process that serves the aggregate of every worker's metrics at `GET /metrics`, so the
API port never exposes them (restrict the port with a NetworkPolicy; a bearer token is also honoured). A scrape
that fails (an unreadable multiprocess file) answers 500 and is logged as JSON, not printed as wsgiref's
plain-text traceback."""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from paybridge.bootstrap import render_metrics

logger = logging.getLogger("paybridge.metrics")
StartResponse = Callable[..., Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """socketserver would print the traceback to stderr (called from within the `except`)."""
        logger.exception("metrics listener request failed")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


class MetricsListener:
    def __init__(self, bind: str, token: str | None) -> None:
        host, _, port = bind.rpartition(":")
        self._address = (host.strip("[]") or "127.0.0.1", int(port))
        self._token = token
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._server = make_server(
            self._address[0],
            self._address[1],
            self._app,
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics-listener", daemon=True
        )
        self._thread.start()
        logger.info("metrics listener started", extra={"bind": f"{self._address[0]}:{self._address[1]}"})

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if self._token is not None:
            supplied = environ.get("HTTP_AUTHORIZATION", "")
            if not hmac.compare_digest(supplied.encode(), f"Bearer {self._token}".encode()):
                start_response(
                    "401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")]
                )
                return [b"unauthorized\n"]
        try:
            body, content_type = render_metrics()
        except Exception:  # wsgiref would print the traceback to stderr
            logger.exception("rendering the metrics failed")
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"metrics unavailable\n"]
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
