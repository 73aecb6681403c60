"""Why a feed could not be fetched: a small hierarchy under BorderwatchError; each message names the URL."""

from __future__ import annotations

from typing import Any

from storage.errors import BorderwatchError


class FetchError(BorderwatchError):
    """A feed could not be fetched. `retry_after` (seconds): the server's own lower bound, if it gave one."""

    def __init__(
        self, url: str, detail: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{url}: {detail}")
        self.url = url
        self.detail = detail
        self.status_code = status_code
        self.retry_after = retry_after


class BlockedURL(FetchError):
    """The URL or a redirect target is not http/https or leads to a loopback/private/reserved address."""


class FetchTimeout(FetchError):
    """No complete response within the connect or total deadline (a hung or slow-drip server)."""


class ConnectionFailed(FetchError):
    """The server could not be reached or broke the connection."""


class TruncatedBody(FetchError):
    """The connection closed before the whole body arrived, or a compressed body ended early."""


class BadStatus(FetchError):
    """The server answered with an HTTP error status."""


class RateLimited(BadStatus):
    """429 or 503: the server asks us to come back later (`retry_after`, when it said when)."""


class TooManyRedirects(FetchError):
    """More than the allowed number of redirects, or a redirect loop."""


class BodyTooLarge(FetchError):
    """The decoded body exceeded BORDERWATCH_MAX_BODY_BYTES (a huge file or a compression bomb)."""


class NotAFeed(FetchError):
    """The server sent an HTML page (a home page, a bot wall) instead of a feed."""


class ParseError(BorderwatchError):
    """The body is not a usable feed (entity bomb, parser bomb, HTML page, garbage, a statement page whose
    selectors match nothing); the message names the URL and why. `retry_after`: seconds before the feed is
    worth polling again, when it should wait (a parse that ran out of time)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:  # raised in worker processes: keep retry_after across pickling
        return (_parse_error, (str(self), self.retry_after))


def _parse_error(message: str, retry_after: float | None) -> ParseError:
    return ParseError(message, retry_after=retry_after)
