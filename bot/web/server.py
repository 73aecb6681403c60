"""A small HTTP server on the running asyncio loop, on tornado (python-telegram-bot's webhook server runs on
it already): the operations port (bot.health) and the public outputs (bot.web.outputs) are both served by it.

Requests are read with tight limits (small headers, no body, idle connections closed), errors are answered
as one plain line, and each request is logged at DEBUG only.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from storage.errors import ConfigError

log = logging.getLogger(__name__)

# (path pattern, handler class, keyword arguments for its initialize())
Route = tuple[str, type[RequestHandler], dict[str, Any]]

_MAX_HEADER_BYTES = 16 * 1024
_IDLE_SECONDS = 30.0
_BODY_SECONDS = 10.0


@dataclass
class WebServer:
    """A running (or, without a port, disabled) server; `close()` stops it and frees the port."""

    host: str | None = None
    port: int | None = None
    _server: HTTPServer | None = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self._server is not None

    async def close(self) -> None:
        """Stop listening, close open connections; safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            await server.close_all_connections()


class PlainHandler(RequestHandler):
    """A handler that answers errors as one plain-text line and allows only GET and HEAD."""

    SUPPORTED_METHODS = ("GET", "HEAD")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason if status_code != 500 else "internal error"
        self.plain(status_code, reason.lower())

    def plain(self, status: int, text: str) -> None:
        """Answer `status` with `text` as one line of plain text."""
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(text.rstrip("\n") + "\n")

    async def head(self, *args: str) -> None:
        await self.get(*args)  # tornado drops the body of a HEAD answer

    async def get(self, *args: str) -> None:
        raise NotImplementedError


class NotFound(PlainHandler):
    """Every path no route serves."""

    def initialize(self, hint: str = "") -> None:
        self.hint = hint

    async def get(self, *args: str) -> None:
        self.plain(404, "not found" + (f": {self.hint}" if self.hint else ""))


async def serve(
    routes: list[Route], *, host: str, port: int, setting: str, not_found_hint: str = ""
) -> WebServer:
    """Serve `routes` on host:port (0 picks a free port) until the returned server is closed; a port that
    cannot be bound is a ConfigError naming `setting`, the variable that chose it."""
    application = Application(
        list(routes),
        default_handler_class=NotFound,
        default_handler_args={"hint": not_found_hint},
        log_function=_log_request,
        compress_response=True,
    )
    server = HTTPServer(
        application,
        max_header_size=_MAX_HEADER_BYTES,
        max_body_size=0,
        idle_connection_timeout=_IDLE_SECONDS,
        body_timeout=_BODY_SECONDS,
    )
    try:
        sockets = bind_sockets(port, address=host, family=_family(host))
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.add_sockets(sockets)
    bound = int(sockets[0].getsockname()[1])
    return WebServer(host=host, port=bound, _server=server)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _log_request(handler: RequestHandler) -> None:
    request = handler.request
    log.debug(
        "%s %s %s %.1f ms",
        handler.get_status(),
        request.method,
        request.path,
        1000.0 * request.request_time(),
    )
