"""The public read-only outputs on BORDERWATCH_WEB_PORT: Atom feeds of stories and a JSON API.

- `/atom` and `/atom/<entity id>`: the 50 public stories that changed last (storage.public_stories), as Atom
  1.0; ETag and Last-Modified, 304 to a conditional GET that matches. The ETag is computed before anything
  is read but which stories are shown and when each last changed (a source joining, a severity change or a
  merge changes it), so a feed reader polling with it is answered after one small query. A rename of an
  entity or feed, or a re-tag, changes no story's last change: readers see it with the story's next change.
- `/api/stories?entity=<id>&since=<ISO time>&limit=<n>&after=<cursor>`: the same stories as JSON, in the
  order they last changed (earliest first), `limit` (1-200, default 50) a page; `next` is the URL of the
  following page when this one is full, and `cursor` resumes after the last story later on.

An entity id that was never tracked is 404; a malformed parameter is 400 with one plain line saying which.
At most PUBLIC_AT_ONCE requests read and render at once and PUBLIC_WAITING more wait; beyond that a request is
answered 503 with Retry-After: the outputs run on the bot's event loop and database pool, so a flood of
readers must never hold the alerts back (300 connections held a 10 ms delivery query for 5 s). For the same
reason their reads have the chat commands' time limit (BORDERWATCH_COMMAND_TIMEOUT, storage.db.time_limit);
past it the request is answered 503 with Retry-After too.
Links and ids use BORDERWATCH_PUBLIC_URL when set, else the address the request came to.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from tornado.httputil import format_timestamp

from bot.web.atom import CONTENT_TYPE, FeedInfo, render_feed, rfc3339, story_id
from bot.web.server import PlainHandler, Route, WebServer, serve
from storage.db import Database, StatementTimeout, time_limit
from storage.public_stories import (
    MAX_PAGE,
    PublicStory,
    StoryCursor,
    entity_name,
    feed_validator,
    latest_public_story_ids,
    load_public_stories,
    public_story_ids_after,
)
from storage.settings import Settings

log = logging.getLogger(__name__)

FEED_SIZE = 50
DEFAULT_PAGE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PUBLIC_AT_ONCE = 4
PUBLIC_WAITING = 32
BUSY_RETRY_AFTER_SECONDS = 5
_PARAMETERS = frozenset({"entity", "since", "limit", "after"})
# part of every ETag: a new release that shows stories differently changes it
_FORMAT = "borderwatch-public-1"


class BadParameter(ValueError):
    """A query parameter that cannot be read; the message says which and what is expected."""


class _Gate:
    """Admits at most `at_once` requests at a time, queues `waiting` more, and turns the rest away."""

    def __init__(self, at_once: int, waiting: int) -> None:
        self._slots = asyncio.Semaphore(at_once)
        self._room = at_once + waiting
        self._inside = 0

    def admit(self) -> bool:
        """Whether one more request may queue; a True must be followed by `run` and nothing else."""
        if self._inside >= self._room:
            return False
        self._inside += 1
        return True

    async def run(self, work: Awaitable[None]) -> None:
        try:
            async with self._slots:
                await work
        finally:
            self._inside -= 1


@dataclass(frozen=True)
class _Outputs:
    db: Database
    public_url: str | None
    gate: _Gate
    read_seconds: float


async def start_public_outputs(
    db: Database, settings: Settings, *, port: int | None = None, host: str | None = None
) -> WebServer:
    """Serve the Atom feeds and the JSON API on BORDERWATCH_WEB_PORT (or `port`; 0 picks a free one).

    Without a port the returned server is disabled and its close() does nothing.
    """
    port = settings.web_port if port is None else port
    if port is None:
        return WebServer()
    outputs = _Outputs(
        db, settings.public_url, _Gate(PUBLIC_AT_ONCE, PUBLIC_WAITING), settings.command_timeout
    )
    routes: list[Route] = [
        (r"/atom", _AtomHandler, {"outputs": outputs}),
        (r"/atom/([^/]+)", _AtomHandler, {"outputs": outputs}),
        (r"/api/stories", _StoriesHandler, {"outputs": outputs}),
    ]
    bind_host = settings.web_host if host is None else host
    server = await serve(
        routes,
        host=bind_host,
        port=port,
        setting="BORDERWATCH_WEB_PORT",
        not_found_hint="try /atom or /api/stories",
    )
    log.info("public outputs on http://%s:%d/atom and /api/stories", bind_host, server.port)
    return server


def feed_url(public_url: str, entity_id: str | None = None) -> str:
    """The Atom feed of `entity_id` (all stories when None) under the public URL."""
    return f"{public_url}/atom" + (f"/{entity_id}" if entity_id else "")


def api_url(public_url: str, entity_id: str | None = None) -> str:
    """The JSON API's stories of `entity_id` (all when None) under the public URL."""
    return f"{public_url}/api/stories" + (f"?{urlencode({'entity': entity_id})}" if entity_id else "")


# ---------------------------------------------------------------------------- parameters


def parse_since(value: str) -> datetime:
    """An ISO 8601 time (a date alone is its midnight; no zone means UTC) as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(
            f"since: {value[:40]!r} is not an ISO 8601 time, e.g. 2025-08-08T12:00:00Z"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def parse_limit(value: str) -> int:
    """A page size from 1 to MAX_PAGE."""
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE:
        raise BadParameter(f"limit: {value[:40]!r} is not a whole number from 1 to {MAX_PAGE}")
    return int(value)


def cursor_text(story: PublicStory) -> str:
    """The cursor after `story`: "<id>-<microseconds since 1970 of its last change>"."""
    return f"{story.id}-{(story.updated - _EPOCH) // timedelta(microseconds=1)}"


def parse_cursor(value: str) -> StoryCursor:
    """A cursor written by `cursor_text`."""
    story, _dash, micros = value.partition("-")
    if not (story.isascii() and story.isdigit() and micros.isascii() and micros.isdigit()):
        raise BadParameter(f"after: {value[:40]!r} is not a cursor given by this API")
    try:
        return StoryCursor(_EPOCH + timedelta(microseconds=int(micros)), int(story))
    except OverflowError:
        raise BadParameter(f"after: {value[:40]!r} is not a cursor given by this API") from None


def story_json(story: PublicStory, authority: str) -> dict[str, Any]:
    """A story as the API shows it (the fields of an Atom entry)."""
    return {
        "id": story.id,
        "atom_id": story_id(authority, story.id),
        "title": story.title,
        "link": story.link,
        "severity": story.severity,
        "entities": [{"id": entity.id, "name": entity.name} for entity in story.entities],
        "sources": list(story.sources),
        "reports": [
            {
                "source": report.source,
                "title": report.title,
                "link": report.link,
                "language": report.language,
                "published": rfc3339(report.published),
            }
            for report in story.reports
        ],
        "published": rfc3339(story.published),
        "updated": rfc3339(story.updated),
    }


# ---------------------------------------------------------------------------- handlers


class _OutputHandler(PlainHandler):
    def initialize(self, outputs: _Outputs) -> None:
        self.outputs = outputs

    async def get(self, *args: str) -> None:
        if not self.outputs.gate.admit():
            self.set_header("Retry-After", str(BUSY_RETRY_AFTER_SECONDS))
            self.plain(503, "busy: too many requests at once, try again in a few seconds")
            return
        await self.outputs.gate.run(self._serve_in_time(*args))

    async def _serve_in_time(self, *args: str) -> None:
        try:
            with time_limit(self.outputs.read_seconds):
                await self.serve(*args)
        except StatementTimeout:
            self.set_header("Retry-After", str(BUSY_RETRY_AFTER_SECONDS))
            self.plain(503, "busy: reading the stories took too long, try again in a few seconds")

    async def serve(self, *args: str) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """BORDERWATCH_PUBLIC_URL, else the scheme and host this request came to."""
        return self.outputs.public_url or f"{self.request.protocol}://{self.request.host}"

    @property
    def authority(self) -> str:
        """The host name ids are minted under (the public URL's, else the request's)."""
        return urlsplit(self.base_url).hostname or "localhost"

    async def known_entity(self, entity_id: str) -> str | None:
        """The display name of `entity_id`; answers 404 and returns None when it was never tracked."""
        name = await entity_name(self.outputs.db, entity_id)
        if name is None:
            self.plain(404, f"unknown entity: {entity_id[:64]}")
        return name

    def validated(self, validator: str, modified: datetime | None) -> bool:
        """Set the ETag of `validator` (what the answer shows, computed before reading it) and Last-Modified;
        answer 304 and return True when the client's copy is current, so it costs no more than that."""
        digest = hashlib.sha256(f"{_FORMAT}\n{self.base_url}\n{self.request.uri}\n{validator}".encode())
        self.set_header("Cache-Control", "public, max-age=60")
        self.set_header("Etag", f'"{digest.hexdigest()[:40]}"')
        if modified is not None:
            self.set_header("Last-Modified", format_timestamp(modified))
        if self.check_etag_header() or self._unmodified_since(modified):
            self.set_status(304)
            self.finish()
            return True
        return False

    def answer(self, body: bytes, content_type: str) -> None:
        """200 with `body` (its ETag and Last-Modified set by `validated`)."""
        self.set_header("Content-Type", content_type)
        self.finish(body)

    def _unmodified_since(self, modified: datetime | None) -> bool:
        header = self.request.headers.get("If-Modified-Since")
        if modified is None or header is None or "If-None-Match" in self.request.headers:
            return False
        try:
            since = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return modified.replace(microsecond=0) <= since


class _AtomHandler(_OutputHandler):
    async def serve(self, *args: str) -> None:
        entity_id = args[0] if args else None
        title = "borderwatch: all stories"
        if entity_id is not None:
            name = await self.known_entity(entity_id)
            if name is None:
                return
            title = f"borderwatch: {name}"
        found = await latest_public_story_ids(self.outputs.db, entity_id, FEED_SIZE)
        modified = max((updated for _id, updated in found), default=None)
        if self.validated(f"{title}\n{feed_validator(found)}", modified):
            return
        stories = await load_public_stories(self.outputs.db, found)
        path = "atom" + (f"/{entity_id}" if entity_id else "")
        info = FeedInfo(
            title=title,
            self_url=f"{self.base_url}/{path}",
            base_url=self.base_url,
            authority=self.authority,
            path=path,
        )
        self.answer(render_feed(info, stories), CONTENT_TYPE)


class _StoriesHandler(_OutputHandler):
    async def serve(self, *args: str) -> None:
        try:
            query = _single_parameters(self.request.query_arguments)
            entity_id = query.get("entity")
            since = parse_since(query["since"]) if "since" in query else None
            limit = parse_limit(query["limit"]) if "limit" in query else DEFAULT_PAGE
            after = parse_cursor(query["after"]) if "after" in query else None
        except BadParameter as exc:
            self.plain(400, str(exc))
            return
        if entity_id is not None and await self.known_entity(entity_id) is None:
            return
        found = await public_story_ids_after(
            self.outputs.db, entity_id, since=since, after=after, limit=limit
        )
        if self.validated(feed_validator(found), None):
            return
        stories = await load_public_stories(self.outputs.db, found)
        body: dict[str, Any] = {
            "stories": [story_json(story, self.authority) for story in stories],
            "cursor": cursor_text(stories[-1]) if stories else query.get("after"),
            "next": None,
        }
        if len(stories) == limit:
            following = {**query, "after": cursor_text(stories[-1])}
            body["next"] = f"{self.base_url}/api/stories?{urlencode(following)}"
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.answer(encoded, "application/json; charset=utf-8")


def _single_parameters(arguments: Mapping[str, list[bytes]]) -> dict[str, str]:
    """The query parameters, each given once; unknown names and repeats are refused."""
    unknown = sorted(set(arguments) - _PARAMETERS)
    if unknown:
        raise BadParameter(f"unknown parameter {unknown[0][:40]!r}: use entity, since, limit and after")
    result: dict[str, str] = {}
    for name, values in arguments.items():
        if len(values) != 1:
            raise BadParameter(f"{name}: give it once")
        try:
            result[name] = values[0].decode("utf-8")
        except UnicodeDecodeError:
            raise BadParameter(f"{name}: not UTF-8") from None
    return result
