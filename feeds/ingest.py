"""Poll one feed: fetch → parse (in worker processes) → identity → classify → store (feeds.store), and record
the outcome.

Every outcome is written to the feed row and fetch_log: `ok`, `not_modified` (304), `unchanged` (a 200 whose
body hash equals the last one, not parsed again) or `error` (last_error, consecutive failures, backoff).
The first successful fetch of a feed stores its items as history, without alerting.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from feeds import schedule
from feeds.errors import FetchError
from feeds.fetch import Fetcher, FetchResponse
from feeds.identity import newest_items, prepare_items
from feeds.lanes import Slowness
from feeds.language import item_language
from feeds.limits import MAX_ERROR_CHARS, MAX_ITEMS_PER_DOCUMENT, clip_text
from feeds.model import Classification, NewItem
from feeds.normalize import language_tag, normalize_text
from feeds.parse import ParseError, ParserPool
from feeds.sources import TELEGRAM, SourceReader
from feeds.store import FeedItems, StoredItem, store_batch
from feeds.stories import StoryRules
from storage.batch import GroupCommit
from storage.clock import Clock
from storage.db import Database, error_line, is_unavailable
from storage.errors import DatabaseUnavailable, plain_database_error
from storage.feeds import FeedRecord, FetchRecord
from storage.ingest import IngestWrite, ingest_transaction
from storage.settings import Settings

log = logging.getLogger(__name__)

Classify = Callable[[str, str, str | None], Classification]
WRITE_LINGER_SECONDS = 0.005
# items classified per trip to the worker thread: as many as this much text (ordinary items go dozens at a
# time, a hostile one alone)
CLASSIFY_BATCH_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of one feed did: its outcome, the items that were new, the error when it failed."""

    feed: FeedRecord
    outcome: str  # ok | not_modified | unchanged | error
    new_items: tuple[StoredItem, ...] = ()
    error: str | None = None
    status_code: int | None = None
    feed_title: str | None = None
    seconds: float = 0.0

    @property
    def source(self) -> str:
        """The source's name: the OPML/admin title, else the feed's own title, else its URL."""
        return self.feed.title_override or self.feed_title or self.feed.title or self.feed.url


class FeedPoller:
    """Everything needed to poll a feed: database, shared fetcher and parser pool, classifier, clock, RNG."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        fetcher: Fetcher,
        parser: ParserPool,
        classify: Classify,
        *,
        worker: str,
        clock: Clock,
        rng: random.Random,
    ) -> None:
        self._db = db
        self._settings = settings
        self._stories = StoryRules.from_settings(settings)
        self._fetcher = fetcher
        self._parser = parser
        self._reader = SourceReader(settings, fetcher, parser, clock)
        self._classify = classify
        self._worker = worker
        self._clock = clock
        self._rng = rng
        # Polls finishing together share transactions and statements (group commit); one batch at a time
        # also queues this process's writes instead of letting them sleep on SQLite's single-writer lock.
        # In a round of 304s a batch waiting 5 ms for more polls holds 3x as many and saves a fifth of the
        # round's CPU; an alert is 5 ms later at most.
        self._writes: GroupCommit[IngestWrite, FeedItems, list[StoredItem]] = GroupCommit(
            lambda: ingest_transaction(db), self._store, linger=WRITE_LINGER_SECONDS
        )
        # feed id → fingerprints of (identity key, content hash) of the items of its last document that were
        # written: a later document of the feed needs the database asked only about the others (items and
        # feeds are never deleted; an item whose text changed is asked about again). 128-bit numbers, not
        # the two hex strings: a fifth of the memory (1,000 feeds of 50 items held 16 MB as strings)
        self._written: dict[int, frozenset[int]] = {}

    async def _store(self, tx: IngestWrite, polls: Sequence[FeedItems]) -> list[list[StoredItem]]:
        return await store_batch(tx, polls, self._stories)

    async def _write(self, poll: FeedItems) -> list[StoredItem]:
        """Store one poll with the others finishing now; DatabaseUnavailable when the database could not
        take it (down, restarting, locked, its connections used up): nothing of the poll was stored."""
        try:
            return await self._writes.run(poll)
        except Exception as exc:
            if is_unavailable(exc):
                raise DatabaseUnavailable(error_line(exc)) from exc
            raise

    def exclusive(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold off this poller's batched writes while the caller writes on its own (claiming feeds, crisis
        mode), so that on SQLite it never sleeps waiting for the single writer."""
        return self._writes.exclusive()

    async def poll(self, feed: FeedRecord) -> PollResult:
        """Poll `feed` once and record the outcome; feed errors come back as an `error` result, not raised.

        Only a database failure propagates (nothing can be recorded then): DatabaseUnavailable when the
        database could not be used just now.
        """
        started = self._clock()
        t0 = time.monotonic()
        # what the last poll of the feed found, in whichever process: stored, so it counts from the first poll
        slowness = Slowness(fetch=feed.slow_fetch, parse=feed.slow_parse)
        try:
            reading = await self._reader.read(feed, slowness)
        except FetchError as exc:
            return await self._failure(
                feed, started, t0, str(exc), exc.status_code, exc.retry_after, slowness
            )
        except ParseError as exc:
            return await self._failure(feed, started, t0, str(exc), 200, exc.retry_after, slowness)
        response, parsed = reading.response, reading.feed
        if parsed is None:
            return await self._unchanged(feed, response, started, t0, reading.outcome, slowness)

        now = self._clock()
        items = newest_items(prepare_items(parsed.entries, now), MAX_ITEMS_PER_DOCUMENT)
        published = [entry.published for entry in parsed.entries if entry.published is not None]
        minimum = self._reader.minimum_interval(feed.kind)
        interval = schedule.adaptive_interval(published, now, minimum, self._settings.poll_max_interval)
        next_poll = schedule.after_success(
            now,
            interval,
            minimum=minimum,
            maximum=self._settings.poll_max_interval,
            not_before=response.not_before(),
            ttl_seconds=parsed.ttl_seconds,
            crisis_interval=self.crisis_interval_now(feed, now),
            # a channel's minimum interval is politeness towards t.me: its first poll is not drawn sooner
            spread=None if feed.history_loaded or feed.kind == TELEGRAM else self._rng,
        )

        # classified here, before the write transaction: only the items not written from its last document
        written = self._written.get(feed.id, frozenset())
        fresh = await self._classified_items(
            [item for item in items if _written_fingerprint(item) not in written], feed.language
        )
        stored = await self._write(
            FeedItems(
                feed.id,
                fresh,
                alert=feed.history_loaded,
                now=now,
                same_text_is_known=True,
                edits=feed.kind == TELEGRAM,
                record=lambda new_items: FetchRecord(
                    worker=self._worker,
                    started_at=started,
                    duration_ms=_ms(t0),
                    outcome="ok",
                    next_poll_at=next_poll.at,
                    status_code=response.status_code,
                    new_items=new_items,
                    interval_seconds=next_poll.interval_seconds,
                    etag=response.etag,
                    last_modified=response.last_modified,
                    body_hash=reading.body_hash,
                    title=parsed.title,
                    language=parsed.language,
                    last_post_id=reading.last_post_id,
                    slow_fetch=slowness.fetch,
                    slow_parse=slowness.parse,
                ),
            )
        )
        self._written[feed.id] = frozenset(_written_fingerprint(item) for item in items)
        return PollResult(
            feed, "ok", tuple(stored), None, response.status_code, parsed.title, time.monotonic() - t0
        )

    def minimum_interval(self, kind: str) -> int:
        """The shortest time between two polls of a source of this kind, in seconds."""
        return self._reader.minimum_interval(kind)

    def crisis_interval(self, kind: str) -> int:
        """How often a source of this kind is polled in crisis mode: BORDERWATCH_CRISIS_POLL_INTERVAL, but a
        Telegram channel never more often than BORDERWATCH_TELEGRAM_MIN_INTERVAL (its own limits)."""
        politeness = self._settings.telegram_min_interval if kind == TELEGRAM else 0
        return max(self._settings.crisis_poll_interval, politeness)

    def crisis_interval_now(self, feed: FeedRecord, now: datetime) -> int | None:
        """The crisis interval while the feed is in crisis mode, else None."""
        return self.crisis_interval(feed.kind) if schedule.in_crisis(feed.crisis_until, now) else None

    async def _classified_items(self, items: Sequence[NewItem], feed_language: str | None) -> list[NewItem]:
        """`items` classified, in order, in a worker thread: a hostile item (a long summary repeating a
        tracked name) is most of a second of pure-Python work, and a document holds hundreds; on the event
        loop that stalled the bot and every other feed. The thread gives the GIL back every few ms. Batches
        of bounded text queue in the executor in turn with other polls' batches, so one feed's document
        never holds a thread long, and a cancelled poll stops soon."""
        classified: list[NewItem] = []
        for batch in _batches(items, CLASSIFY_BATCH_CHARS):
            classified += await asyncio.to_thread(self._classified_batch, batch, feed_language)
        return classified

    def _classified_batch(self, items: Sequence[NewItem], feed_language: str | None) -> list[NewItem]:
        return [self._classified(item, feed_language) for item in items]

    def _classified(self, item: NewItem, feed_language: str | None) -> NewItem:
        """The item classified, and stored and compared with other reports, in its language: the one its
        entry or feed declares, else the one its text is written in (None when it is none of ours)."""
        entry = item.entry
        language = item_language(entry.language or language_tag(feed_language), entry.title, entry.summary)
        if language != entry.language:
            entry = replace(entry, language=language)
        return replace(item, entry=entry, classification=self._classify(entry.title, entry.summary, language))

    async def _unchanged(
        self,
        feed: FeedRecord,
        response: FetchResponse,
        started: datetime,
        t0: float,
        outcome: str,
        slowness: Slowness,
    ) -> PollResult:
        now = self._clock()
        next_poll = schedule.after_success(
            now,
            feed.interval_seconds,
            minimum=self._reader.minimum_interval(feed.kind),
            maximum=self._settings.poll_max_interval,
            not_before=response.not_before(),
            crisis_interval=self.crisis_interval_now(feed, now),
        )
        await self._write(
            FeedItems(
                feed.id,
                (),
                alert=False,
                now=now,
                record=lambda _: FetchRecord(
                    worker=self._worker,
                    started_at=started,
                    duration_ms=_ms(t0),
                    outcome=outcome,
                    next_poll_at=next_poll.at,
                    status_code=response.status_code,
                    interval_seconds=next_poll.interval_seconds,
                    etag=response.etag or feed.etag,
                    last_modified=response.last_modified or feed.last_modified,
                    slow_fetch=slowness.fetch,
                    slow_parse=slowness.parse,
                ),
            )
        )
        return PollResult(feed, outcome, (), None, response.status_code, None, time.monotonic() - t0)

    async def _failure(
        self,
        feed: FeedRecord,
        started: datetime,
        t0: float,
        message: str,
        status_code: int | None,
        retry_after: float | None,
        slowness: Slowness | None,
    ) -> PollResult:
        if feed.url not in message:
            message = f"{feed.url}: {message}"
        # shown to admins: one line, no control or bidi characters from a server's words, bounded
        message = clip_text(normalize_text(message), MAX_ERROR_CHARS)
        log.info("feed failed: %s", message)
        now = self._clock()
        next_at = schedule.after_failure(
            now,
            feed.consecutive_failures + 1,
            interval_seconds=self._reader.minimum_interval(feed.kind),
            rng=self._rng,
            retry_after=retry_after,
        )
        await self._write(
            FeedItems(
                feed.id,
                (),
                alert=False,
                now=now,
                record=lambda _: FetchRecord(
                    worker=self._worker,
                    started_at=started,
                    duration_ms=_ms(t0),
                    outcome="error",
                    next_poll_at=next_at,
                    status_code=status_code,
                    error=message,
                    slow_fetch=slowness.fetch if slowness is not None else None,
                    slow_parse=slowness.parse if slowness is not None else None,
                ),
            )
        )
        return PollResult(feed, "error", (), message, status_code, None, time.monotonic() - t0)

    async def record_crash(self, feed: FeedRecord, exc: BaseException) -> PollResult:
        """Record an unexpected exception while polling `feed` as that feed's error (a bug, not the feed), in
        plain words: a database error gives the server's message, never SQL."""
        message = "internal error: " + (plain_database_error(exc) or f"{type(exc).__name__}: {exc}")
        return await self._failure(feed, self._clock(), time.monotonic(), message, None, None, None)


def _written_fingerprint(item: NewItem) -> int:
    """128 bits standing for the item's (identity key, content hash): two items collide once in 10^38."""
    pair = f"{item.identity_key}\n{item.content_hash}".encode()
    return int.from_bytes(hashlib.blake2b(pair, digest_size=16).digest())


def _batches(items: Sequence[NewItem], most_chars: int) -> list[list[NewItem]]:
    """`items` in order, cut into runs of about `most_chars` characters of title and summary (at least one
    item each)."""
    batches: list[list[NewItem]] = []
    size = 0
    for item in items:
        length = len(item.entry.title) + len(item.entry.summary)
        # an item with neither title nor summary (length 0) still needs a batch to go in
        if not batches or size + length > most_chars:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += length
    return batches


def _ms(t0: float) -> int:
    return int((time.monotonic() - t0) * 1000)
