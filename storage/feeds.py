"""Every query on feeds and fetch_log: adding and listing feeds, leasing due feeds, recording outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Row, Select, Table, bindparam, func, insert, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Feed, FetchLog, Item

_FEEDS = cast(Table, Feed.__table__)
_FETCH_LOG = cast(Table, FetchLog.__table__)
# Bound values per lookup statement, and branches per UNION ALL (SQLite allows 500 compound SELECTs).
_LOOKUP_VALUES = 2000
# Feeds added per transaction: a list of thousands (an OPML import) held SQLite's one write lock for all of it
# (30,000 feeds: 35 s, past the busy timeout of the ingest and delivery writes waiting on it); 200 take
# a fraction of a second. Between them a pause longer than SQLite's longest sleep between two tries of a
# writer waiting on the lock (100 ms), so that each waiting writer gets its turn.
_ADD_BATCH = 200
_ADD_GAP_SECONDS = 0.1
_LOOKUP_BRANCHES = 200


@dataclass(frozen=True, slots=True)
class FeedSchedule:
    """Where a feed's schedule stands: when it is next due, when it was last fetched, its base interval, and
    whether it is failing (backing off)."""

    next_poll_at: datetime
    last_fetched_at: datetime | None
    interval_seconds: int
    failing: bool


# a feed's sooner next poll given its kind and schedule (None: it keeps its time); feeds.schedule decides
Sooner = Callable[[str, FeedSchedule], datetime | None]


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A feed as the ingest side and the commands see it."""

    id: int
    url: str
    kind: str  # feed | telegram | html
    selectors: dict[str, Any] | None  # an html feed's CSS selectors
    last_post_id: int | None  # a telegram feed's newest post id at its last poll
    title: str | None
    title_override: str | None
    language: str | None
    user_agent: str | None
    enabled: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    history_loaded: bool
    interval_seconds: int
    next_poll_at: datetime
    consecutive_failures: int
    last_error: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    crisis_until: datetime | None = None
    slow_fetch: bool = False  # its last fetch was slow (feeds.lanes.Slowness)
    slow_parse: bool = False  # its last parse was slow

    @property
    def name(self) -> str:
        """The source name: the OPML/admin title, else the feed's own title, else its URL."""
        return self.title_override or self.title or self.url


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """What one poll of a feed produced, to be written to the feed row and fetch_log."""

    worker: str
    started_at: datetime
    duration_ms: int
    outcome: str  # ok | not_modified | unchanged | error
    next_poll_at: datetime
    status_code: int | None = None
    error: str | None = None
    new_items: int = 0
    interval_seconds: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    title: str | None = None
    language: str | None = None
    last_post_id: int | None = None  # a telegram feed's newest post id
    # whether this poll's fetch and parse were slow, as feeds.lanes.Slowness says (None: kept as stored)
    slow_fetch: bool | None = None
    slow_parse: bool | None = None


_RECORD_FIELDS = tuple(FeedRecord.__dataclass_fields__)
_RECORD_COLUMNS = tuple(_FEEDS.c[name] for name in _RECORD_FIELDS)


def _record(feed: Feed | Row[Any]) -> FeedRecord:
    """A FeedRecord from a Feed object or from a row of `_RECORD_COLUMNS`."""
    return FeedRecord(*(getattr(feed, name) for name in _RECORD_FIELDS))


@dataclass(frozen=True, slots=True)
class NewFeed:
    """A feed to add: its URL, kind (feed, telegram or html with its CSS `selectors`), the OPML/admin title,
    language and User-Agent, and the feed's own title when it was read on the way (/addfeed)."""

    url: str
    title: str | None = None
    language: str | None = None
    user_agent: str | None = None
    kind: str = "feed"
    selectors: dict[str, Any] | None = None
    own_title: str | None = None


# what adding a feed did: added, a removed feed polled again, or nothing (known already)
AddOutcome = Literal["added", "enabled", "known"]


async def add_feed(
    db: Database,
    url: str,
    *,
    now: datetime,
    title: str | None = None,
    language: str | None = None,
    user_agent: str | None = None,
    interval_seconds: int = 60,
    kind: str = "feed",
    selectors: dict[str, str] | None = None,
) -> tuple[FeedRecord, bool]:
    """Add a feed of `kind` (feed, telegram or html with its CSS `selectors`), due at once; returns
    (feed, True), or (the existing feed, False) when the URL is known.

    Title, language and User-Agent are cut to what their columns hold."""
    feed = NewFeed(url, title, language, user_agent, kind, dict(selectors) if selectors else None)
    ((record, outcome),) = await add_feeds(db, [feed], now=now, interval_seconds=interval_seconds)
    return record, outcome == "added"


async def add_feeds(
    db: Database,
    feeds: Sequence[NewFeed],
    *,
    now: datetime,
    interval_seconds: int,
    enable_removed: bool = False,
    progress: Callable[[], None] | None = None,
) -> list[tuple[FeedRecord, AddOutcome]]:
    """Add the feeds whose URL is not known yet, due at once, in transactions of at most `_ADD_BATCH` feeds
    (a list cut short by a crash is completed by adding it again: known feeds are skipped); with
    `enable_removed`, a known feed an admin removed is polled again from `now` (with the new title and
    selectors when given). Returns each feed with what was done. `progress` (when given) is called once per
    feed."""
    results: list[tuple[FeedRecord, AddOutcome]] = []
    reported = 0
    for start in range(0, len(feeds), _ADD_BATCH):
        if start:
            await asyncio.sleep(_ADD_GAP_SECONDS)
        batch = feeds[start : start + _ADD_BATCH]
        for attempt in (1, 2, 3):
            done: list[tuple[FeedRecord, AddOutcome]] = []
            try:
                async with db.transaction() as session:
                    for feed in batch:
                        done.append(await _add_feed(session, feed, now, interval_seconds, enable_removed))
                        if progress is not None and start + len(done) > reported:
                            reported += 1
                            progress()
            except IntegrityError:
                # another process added one of these URLs meanwhile (processes started together on a new
                # database all seed BORDERWATCH_FEEDS): the batch again finds it known
                if attempt == 3:
                    raise
                continue
            results.extend(done)
            break
    return results


async def _add_feed(
    session: AsyncSession, new: NewFeed, now: datetime, interval_seconds: int, enable_removed: bool
) -> tuple[FeedRecord, AddOutcome]:
    existing = await session.scalar(select(Feed).where(Feed.url == new.url))
    if existing is not None:
        if existing.enabled or not enable_removed:
            return _record(existing), "known"
        existing.enabled, existing.next_poll_at = True, now
        existing.lease_owner, existing.lease_until = None, None
        if new.title:
            existing.title_override = new.title[: _length("title_override")]
        if new.selectors:
            existing.selectors = dict(new.selectors)
        if new.own_title:
            existing.title = new.own_title[: _length("title")]
        await session.flush()
        return _record(existing), "enabled"
    feed = Feed(
        url=new.url,
        kind=new.kind,
        selectors=dict(new.selectors) if new.selectors else None,
        # cut to the columns (PostgreSQL refuses longer values; OPML imports carry anything)
        title=(new.own_title or "")[: _length("title")] or None,
        title_override=(new.title or "")[: _length("title_override")] or None,
        language=(new.language or "")[: _length("language")] or None,
        user_agent=(new.user_agent or "")[: _length("user_agent")] or None,
        enabled=True,
        history_loaded=False,
        interval_seconds=interval_seconds,
        next_poll_at=now,
        consecutive_failures=0,
        failure_notified=False,
        created_at=now,
    )
    session.add(feed)
    await session.flush()
    return _record(feed), "added"


async def remove_feed(db: Database, feed_id: int) -> int:
    """Stop polling a feed (an admin removed it); its stored items stay. Returns how many it has."""
    async with db.transaction() as session:
        await session.execute(update(Feed).where(Feed.id == feed_id).values(enabled=False))
        count = await session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == feed_id))
    return int(count or 0)


async def count_feeds(db: Database) -> int:
    """How many feeds exist (enabled or not)."""
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Feed)) or 0)


async def list_feeds(db: Database, *, enabled_only: bool = False) -> list[FeedRecord]:
    """All feeds in id order."""
    query = select(Feed).order_by(Feed.id)
    if enabled_only:
        query = query.where(Feed.enabled.is_(True))
    async with db.transaction() as session:
        return [_record(feed) for feed in await session.scalars(query)]


async def get_feed(db: Database, feed_id: int) -> FeedRecord | None:
    """One feed by id, or None."""
    async with db.transaction() as session:
        feed = await session.get(Feed, feed_id)
        return _record(feed) if feed is not None else None


async def get_feed_by_url(db: Database, url: str) -> FeedRecord | None:
    """One feed by its exact URL, or None."""
    async with db.transaction() as session:
        feed = await session.scalar(select(Feed).where(Feed.url == url))
        return _record(feed) if feed is not None else None


async def claim_due_feeds(
    db: Database,
    worker: str,
    now: datetime,
    limit: int,
    lease_seconds: float,
    *,
    ignore_schedule: bool = False,
    not_fetched_since: datetime | None = None,
) -> list[FeedRecord]:
    """Lease up to `limit` enabled feeds that are due (next_poll_at <= now) and not leased by anyone else.

    On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED, so concurrent workers never
    claim the same feed; SQLite serialises writers, so the plain UPDATE is enough there. With
    `ignore_schedule` every enabled, unleased feed is a candidate whatever its schedule or backoff;
    `not_fetched_since` then leaves out feeds fetched at or after that time (already done this round).
    """
    candidates = (
        select(Feed.id)
        .where(Feed.enabled.is_(True), or_(Feed.lease_until.is_(None), Feed.lease_until < now))
        .order_by(Feed.next_poll_at, Feed.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if not ignore_schedule:
        candidates = candidates.where(Feed.next_poll_at <= now)
    if not_fetched_since is not None:
        candidates = candidates.where(
            or_(Feed.last_fetched_at.is_(None), Feed.last_fetched_at < not_fetched_since)
        )
    # one statement, so SQLite (whose driver starts the transaction only at the first write) and PostgreSQL
    # alike pick and lease the rows atomically; rows, not ORM objects: a round leases a thousand feeds
    async with db.transaction() as session:
        claimed = await session.execute(
            update(_FEEDS)
            .where(_FEEDS.c.id.in_(candidates.scalar_subquery()))
            .values(lease_owner=worker, lease_until=now + timedelta(seconds=lease_seconds))
            .returning(*_RECORD_COLUMNS)
        )
        feeds = [_record(row) for row in claimed]
    feeds.sort(key=lambda feed: (feed.next_poll_at, feed.id))  # RETURNING keeps no order
    return feeds


async def next_due_at(db: Database, now: datetime) -> datetime | None:
    """When the next enabled feed that nobody holds is due (possibly already), or None when there is none.

    A read only (one step along the next_poll_at index past the feeds being polled), so the scheduler can ask
    every second at no cost; feeds held under an expired lease count as free."""
    async with db.transaction() as session:
        return cast(
            datetime | None,
            await session.scalar(
                select(Feed.next_poll_at)
                .where(Feed.enabled.is_(True), or_(Feed.lease_until.is_(None), Feed.lease_until < now))
                .order_by(Feed.next_poll_at)
                .limit(1)
            ),
        )


async def bring_forward(
    db: Database, sooner: Sooner, *, feed_ids: Iterable[int] | None = None, slower_than: int | None = None
) -> int:
    """Poll sooner the enabled feeds of `feed_ids`, or those whose base interval is longer than `slower_than`
    seconds: each at `sooner(kind, schedule)` when that gives a time. Returns how many feeds moved."""
    async with db.transaction() as session:
        return await _bring_forward(session, sooner, feed_ids=feed_ids, slower_than=slower_than)


async def _bring_forward(
    session: AsyncSession,
    sooner: Sooner,
    *,
    feed_ids: Iterable[int] | None = None,
    slower_than: int | None = None,
) -> int:
    query = select(
        Feed.id,
        Feed.kind,
        Feed.next_poll_at,
        Feed.last_fetched_at,
        Feed.interval_seconds,
        Feed.consecutive_failures,
    ).where(Feed.enabled.is_(True))
    if slower_than is not None:
        query = query.where(Feed.interval_seconds > slower_than)
    wanted = sorted(set(feed_ids)) if feed_ids is not None else None
    moved: list[dict[str, object]] = []
    for start in range(0, len(wanted), _LOOKUP_VALUES) if wanted is not None else (0,):
        chunk = query if wanted is None else query.where(Feed.id.in_(wanted[start : start + _LOOKUP_VALUES]))
        for feed_id, kind, next_poll_at, fetched, interval, failures in await session.execute(chunk):
            at = sooner(kind, FeedSchedule(next_poll_at, fetched, interval, failures > 0))
            if at is not None:
                moved.append({"v_id": feed_id, "v_at": at})
    if moved:
        await session.execute(
            update(_FEEDS).where(_FEEDS.c.id == bindparam("v_id")).values(next_poll_at=bindparam("v_at")),
            moved,
        )
    return len(moved)


async def release_lease(db: Database, feed_id: int, worker: str, *, until: datetime | None = None) -> None:
    """Give a feed's lease back without recording anything (shutdown); with `until`, the lease is held
    until then instead: nobody claims the feed before (its poll could not be stored, see
    feeds.schedule.wait_after_refused_store)."""
    values = {"lease_owner": None, "lease_until": None} if until is None else {"lease_until": until}
    async with db.transaction() as session:
        await session.execute(
            update(Feed).where(Feed.id == feed_id, Feed.lease_owner == worker).values(**values)
        )


async def feed_lease_owners(db: Database, feed_ids: Iterable[int]) -> dict[int, str | None]:
    """Which worker holds each of `feed_ids` (None: nobody), as stored now."""
    async with db.transaction() as session:
        rows = await session.execute(select(Feed.id, Feed.lease_owner).where(Feed.id.in_(list(feed_ids))))
        return {feed_id: owner for feed_id, owner in rows}


async def known_items_of_feeds(
    db: Database, wanted: Sequence[tuple[int, Iterable[str], Iterable[str]]]
) -> list[tuple[set[str], set[str]]]:
    """For each (feed id, identity keys, content hashes): which of those keys, and which of those hashes,
    stored items of that feed have. Many feeds per statement (a UNION ALL of indexed lookups)."""
    async with db.transaction() as session:
        return await _known_items_of_feeds(session, wanted)


async def _known_items_of_feeds(
    session: AsyncSession, wanted: Sequence[tuple[int, Iterable[str], Iterable[str]]]
) -> list[tuple[set[str], set[str]]]:
    asked = [(feed_id, set(keys), set(hashes)) for feed_id, keys, hashes in wanted]
    found: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in asked]
    branches: list[Any] = []
    values = 0
    for index, (feed_id, key_set, hash_set) in enumerate(asked):
        keys, hashes = sorted(key_set), sorted(hash_set)
        for start in range(0, max(len(keys), len(hashes)), 250):
            some_keys, some_hashes = keys[start : start + 250], hashes[start : start + 250]
            branches.append(
                select(literal(index).label("n"), Item.identity_key, Item.content_hash).where(
                    Item.feed_id == feed_id,
                    or_(Item.identity_key.in_(some_keys), Item.content_hash.in_(some_hashes)),
                )
            )
            values += len(some_keys) + len(some_hashes) + 2
            if values >= _LOOKUP_VALUES or len(branches) >= _LOOKUP_BRANCHES:
                await _lookup(session, branches, asked, found)
                branches, values = [], 0
    if branches:
        await _lookup(session, branches, asked, found)
    return found


async def _lookup(
    session: AsyncSession,
    branches: list[Any],
    asked: list[tuple[int, set[str], set[str]]],
    found: list[tuple[set[str], set[str]]],
) -> None:
    statement: Any = branches[0]
    if len(branches) > 1:
        statement = union_all(*cast(list[Select[tuple[int, str, str]]], branches))
    for index, key, content_hash in (await session.execute(statement)).all():
        # a row may match by key or by hash only: keep just what was asked
        if key in asked[index][1]:
            found[index][0].add(key)
        if content_hash in asked[index][2]:
            found[index][1].add(content_hash)


async def record_fetch(db: Database, feed_id: int, record: FetchRecord) -> None:
    """Write one poll's outcome: fetch_log row, schedule, validators, failure counters; releases the lease.

    A success (ok, not_modified, unchanged) clears the error state; an error increments consecutive_failures,
    keeps the first failing_since and stores last_error. The feed stays enabled either way.
    """
    await record_fetches(db, [(feed_id, record)])


async def record_fetches(db: Database, records: Sequence[tuple[int, FetchRecord]]) -> None:
    """`record_fetch` for many polls at once (feed id, outcome), in one transaction: one INSERT and, per kind
    of outcome, one UPDATE, each executed for all rows together."""
    async with db.transaction() as session:
        await _record_fetches(session, records)


async def _record_fetches(session: AsyncSession, records: Sequence[tuple[int, FetchRecord]]) -> None:
    if not records:
        return
    await session.execute(
        insert(_FETCH_LOG),
        [
            {
                "feed_id": feed_id,
                "started_at": record.started_at,
                "duration_ms": record.duration_ms,
                "status_code": record.status_code,
                "outcome": record.outcome,
                "error": record.error,
                "new_items": record.new_items,
                "worker": record.worker,
            }
            for feed_id, record in records
        ],
    )
    by_shape: dict[tuple[tuple[str, str], ...], list[dict[str, object]]] = {}
    for feed_id, record in records:
        changes = _feed_changes(record)
        shape = tuple(sorted((column, kind) for column, (kind, _) in changes.items()))
        params: dict[str, object] = {f"v_{column}": value for column, (_, value) in changes.items()}
        params["v_id"] = feed_id
        by_shape.setdefault(shape, []).append(params)
    for shape, rows in by_shape.items():
        await session.execute(_feed_update(shape), rows)


def _feed_changes(record: FetchRecord) -> dict[str, tuple[str, object]]:
    """The feed columns one outcome sets: column -> ("set", value), ("increment", None) for column + 1,
    or ("keep", value) for COALESCE(column, value)."""
    finished = record.started_at + timedelta(milliseconds=record.duration_ms)
    changes: dict[str, tuple[str, object]] = {
        "next_poll_at": ("set", record.next_poll_at),
        "last_fetched_at": ("set", finished),
        "lease_owner": ("set", None),
        "lease_until": ("set", None),
    }
    if record.slow_fetch is not None:
        changes["slow_fetch"] = ("set", record.slow_fetch)
    if record.slow_parse is not None:
        changes["slow_parse"] = ("set", record.slow_parse)
    if record.outcome == "error":
        changes.update(
            consecutive_failures=("increment", None),
            last_error=("set", record.error),
            failing_since=("keep", record.started_at),
        )
    else:
        changes.update(
            consecutive_failures=("set", 0),
            last_error=("set", None),
            failing_since=("set", None),
            # failure_notified stays: bot.feed_alerts sends the recovery notice, then clears it
            last_success_at=("set", finished),
            history_loaded=("set", True),
        )
        if record.interval_seconds is not None:
            changes["interval_seconds"] = ("set", record.interval_seconds)
        if record.outcome == "ok":
            changes.update(
                etag=("set", _validator(record.etag, "etag")),
                last_modified=("set", _validator(record.last_modified, "last_modified")),
                body_hash=("set", record.body_hash),
            )
            if record.title:
                changes["title"] = ("set", record.title[: _length("title")])
            if record.new_items:
                changes["last_new_item_at"] = ("set", finished)
            if record.last_post_id is not None:
                changes["last_post_id"] = ("set", record.last_post_id)
        elif record.outcome == "unchanged":
            changes.update(
                etag=("set", _validator(record.etag, "etag")),
                last_modified=("set", _validator(record.last_modified, "last_modified")),
            )
        if record.language:
            changes["language"] = ("keep", record.language[: _length("language")])
    return changes


def _length(column: str) -> int:
    """The most characters the feeds table's column holds (PostgreSQL refuses more; SQLite would not)."""
    length = getattr(_FEEDS.c[column].type, "length", None)
    assert isinstance(length, int), column
    return length


def _validator(value: str | None, column: str) -> str | None:
    """An ETag or Last-Modified as stored: one longer than its column is not stored (so not sent back),
    since a cut validator never matches; the feed is then fetched unconditionally."""
    return value if value is None or len(value) <= _length(column) else None


def _feed_update(shape: tuple[tuple[str, str], ...]) -> Any:
    """UPDATE feeds for one shape of changes, with a bound parameter v_<column> per value and v_id."""
    table = _FEEDS
    values: dict[str, Any] = {}
    for column, kind in shape:
        if kind == "increment":
            values[column] = table.c[column] + 1
        else:
            value = bindparam(f"v_{column}", type_=table.c[column].type)
            values[column] = func.coalesce(table.c[column], value) if kind == "keep" else value
    return update(table).where(table.c.id == bindparam("v_id")).values(values)


async def fetch_log(db: Database, feed_id: int, limit: int = 20) -> Sequence[FetchLog]:
    """The latest fetch_log rows of a feed, newest first."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(FetchLog).where(FetchLog.feed_id == feed_id).order_by(FetchLog.id.desc()).limit(limit)
        )
        return list(rows)
