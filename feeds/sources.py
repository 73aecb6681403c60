"""Feed kinds, and reading a source of any kind: a syndication feed (RSS, Atom, RDF, JSON Feed), a public
Telegram channel (its web preview) or an HTML statement page (CSS selectors).

`SourceReader.read` fetches and parses one source and says what came of it; the poller (feeds/ingest.py)
stores the result the same way whatever the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from feeds.errors import ParseError
from feeds.fetch import Fetcher, FetchResponse
from feeds.htmlpage import PageSelectors, SelectorError, parse_statement_page
from feeds.lanes import Slowness
from feeds.model import ParsedFeed
from feeds.pacing import HostPacer
from feeds.parse import ParserPool
from feeds.telegram_channel import channel_feed_url, channel_name, read_channel
from storage.errors import BorderwatchError
from storage.settings import Settings

__all__ = [
    "FEED",
    "HTML",
    "KINDS",
    "TELEGRAM",
    "Reading",
    "SourceError",
    "SourceReader",
    "SourceSpec",
    "kind_label",
    "source_spec",
]

FEED = "feed"
TELEGRAM = "telegram"
HTML = "html"
KINDS = (FEED, TELEGRAM, HTML)
_LABELS = {FEED: "feed", TELEGRAM: "Telegram channel", HTML: "HTML page"}


def kind_label(kind: str) -> str:
    """How /feeds and `feeds list` name a kind: feed, Telegram channel, HTML page."""
    return _LABELS.get(kind, kind)


class SourceError(BorderwatchError):
    """A source address or its options cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source as it is stored: its kind, its URL (a channel's canonical https://t.me/s/<channel>) and, for
    a statement page, its selectors."""

    kind: str
    url: str
    selectors: PageSelectors | None = None

    @property
    def stored_selectors(self) -> dict[str, str] | None:
        return self.selectors.as_mapping() if self.selectors is not None else None


def source_spec(
    address: str, selectors: PageSelectors | None = None, *, kind: str | None = None
) -> SourceSpec:
    """The source an address names: a Telegram channel (t.me addresses, tg:<channel>, @<channel>), an HTML
    statement page (when `selectors` are given, or `kind` is "html"), else a feed at that URL.

    Raises SourceError for a Telegram address that names no public channel, for selectors given with a
    channel, and for an "html" kind without selectors.
    """
    try:
        channel = channel_name(address)
    except BorderwatchError as exc:
        raise SourceError(str(exc)) from None
    if channel is not None:
        if selectors is not None:
            raise SourceError(f"{address}: a Telegram channel is read without selectors")
        return SourceSpec(TELEGRAM, channel_feed_url(channel))
    if kind == TELEGRAM:
        raise SourceError(f"{address}: not a Telegram channel address (use https://t.me/<channel>)")
    if selectors is not None or kind == HTML:
        if selectors is None:
            raise SourceError(f"{address}: an HTML page needs at least an item selector")
        return SourceSpec(HTML, address, selectors)
    return SourceSpec(FEED, address)


class PolledSource(Protocol):
    """What reading a source needs to know of it (a stored FeedRecord has all of it)."""

    @property
    def kind(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def selectors(self) -> Mapping[str, Any] | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def user_agent(self) -> str | None: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def body_hash(self) -> str | None: ...
    @property
    def last_post_id(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class NewSource:
    """A source not stored yet (an admin's /addfeed): nothing known of earlier polls."""

    kind: str
    url: str
    selectors: Mapping[str, Any] | None = None
    language: str | None = None
    user_agent: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_post_id: int | None = None

    @classmethod
    def of(cls, spec: SourceSpec) -> NewSource:
        return cls(spec.kind, spec.url, spec.stored_selectors)


@dataclass(frozen=True, slots=True)
class Reading:
    """What one read of a source gave: `ok` with the parsed feed, or `not_modified` (304) / `unchanged`
    (the same body, or a channel whose newest post is the last one seen) without it. `body_hash` and
    `last_post_id` are what to remember for the next read."""

    outcome: str  # ok | not_modified | unchanged
    response: FetchResponse
    feed: ParsedFeed | None = None
    body_hash: str | None = None
    last_post_id: int | None = None
    pages: int = 1


class SourceReader:
    """Reads sources of every kind with the shared fetcher; Telegram previews through their own pacer."""

    def __init__(
        self, settings: Settings, fetcher: Fetcher, parser: ParserPool, clock: Callable[[], datetime]
    ) -> None:
        """`parser` parses what is fetched, feeds and web pages alike, in its processes with its deadline."""
        self._settings = settings
        self._fetcher = fetcher
        self._parser = parser
        self._clock = clock
        self._telegram = HostPacer(settings.telegram_concurrency, settings.telegram_request_gap)

    def minimum_interval(self, kind: str) -> int:
        """The shortest time between two polls of a source of this kind, in seconds."""
        if kind == TELEGRAM:
            return max(self._settings.poll_interval, self._settings.telegram_min_interval)
        return self._settings.poll_interval

    async def read(self, source: PolledSource, slowness: Slowness | None = None) -> Reading:
        """Fetch and parse `source`; raises FetchError or ParseError (naming the URL) when that fails.

        `slowness` (when given: what is stored of the source) chooses the fetch and parse lanes and is set to
        what this read measured."""
        if source.kind == TELEGRAM:
            return await self._read_channel(source, slowness)
        html = source.kind == HTML
        response = await self._fetcher.fetch(
            source.url,
            etag=source.etag,
            last_modified=source.last_modified,
            user_agent=source.user_agent,
            html=html,
            slowness=slowness,
        )
        if not response.is_modified:
            return Reading("not_modified", response)
        if source.body_hash is not None and response.body_hash == source.body_hash:
            return Reading("unchanged", response)
        if html:
            feed = await self._read_page(source, response, slowness)
        else:
            feed = await self._parser.parse(
                response.body, response.headers, response.url, source_url=source.url, slowness=slowness
            )
        return Reading("ok", response, feed, response.body_hash)

    async def _read_page(
        self, source: PolledSource, response: FetchResponse, slowness: Slowness | None
    ) -> ParsedFeed:
        try:
            selectors = PageSelectors.from_mapping(source.selectors or {})
        except SelectorError as exc:
            raise ParseError(f"{source.url}: {exc}") from None
        return await self._parser.run(
            source.url,
            parse_statement_page,
            response.body,
            dict(response.headers),
            response.url,
            selectors,
            self._clock(),
            source.language,
            slowness=slowness,
        )

    async def _read_channel(self, source: PolledSource, slowness: Slowness | None) -> Reading:
        channel = channel_name(source.url)
        if channel is None:
            raise ParseError(f"{source.url}: not a Telegram channel address")

        async def fetch_page(url: str) -> FetchResponse:
            async with self._telegram.slot(url):
                return await self._fetcher.fetch(
                    url, user_agent=source.user_agent, html=True, slowness=slowness
                )

        reading = await read_channel(
            fetch_page,
            self._parser,
            web_url=self._settings.telegram_web_url,
            channel=channel,
            last_post_id=source.last_post_id,
            max_pages=self._settings.telegram_max_pages,
            language=source.language,
            slowness=slowness,
        )
        outcome = "ok" if reading.feed is not None else "unchanged"
        return Reading(outcome, reading.response, reading.feed, None, reading.newest_id, reading.pages)
