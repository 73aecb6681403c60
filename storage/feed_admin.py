"""Feed queries only admins need: the /feeds status page, removing and re-adding a feed, failure notices.

Adding, listing and polling feeds live in storage.feeds; this module adds what the admin commands and the
failing-feed notices ask beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from storage.db import Database
from storage.models import Feed, Item


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed as /feeds shows it."""

    id: int
    url: str
    name: str
    kind: str
    enabled: bool
    failing_since: datetime | None
    last_error: str | None
    last_new_item_at: datetime | None
    items_24h: int
    next_poll_at: datetime


@dataclass(frozen=True, slots=True)
class FeedNotice:
    """A feed whose failure (or recovery) admins must be told about."""

    id: int
    url: str
    name: str
    last_error: str | None
    failing_since: datetime | None


def _name(feed: Any) -> str:
    return str(feed.title_override or feed.title or feed.url)


async def feed_status_page(
    db: Database, now: datetime, *, offset: int, limit: int
) -> tuple[list[FeedStatus], int]:
    """Feeds `offset`..`offset+limit` in id order with their status, and how many feeds there are in all."""
    since = now - timedelta(hours=24)
    async with db.transaction() as session:
        total = int(await session.scalar(select(func.count()).select_from(Feed)) or 0)
        feeds = list(await session.scalars(select(Feed).order_by(Feed.id).offset(offset).limit(limit)))
        ids = [feed.id for feed in feeds]
        counts: dict[int, int] = {}
        if ids:
            rows = await session.execute(
                select(Item.feed_id, func.count())
                .where(Item.feed_id.in_(ids), Item.fetched_at >= since)
                .group_by(Item.feed_id)
            )
            counts = {feed_id: int(count) for feed_id, count in rows.all()}
    return [
        FeedStatus(
            id=feed.id,
            url=feed.url,
            name=_name(feed),
            kind=feed.kind,
            enabled=feed.enabled,
            failing_since=feed.failing_since,
            last_error=feed.last_error,
            last_new_item_at=feed.last_new_item_at,
            items_24h=counts.get(feed.id, 0),
            next_poll_at=feed.next_poll_at,
        )
        for feed in feeds
    ], total


def _notice(row: Any) -> FeedNotice:
    return FeedNotice(
        id=row.id,
        url=row.url,
        name=str(row.title_override or row.title or row.url),
        last_error=row.last_error,
        failing_since=row.failing_since,
    )


_RETURNED = (Feed.id, Feed.url, Feed.title, Feed.title_override, Feed.last_error, Feed.failing_since)


async def claim_failure_notices(db: Database, now: datetime, after_seconds: int) -> list[FeedNotice]:
    """Enabled feeds failing for at least `after_seconds` whose admins were not told yet; marks them told.

    The claim is one conditional UPDATE, so concurrent jobs never send the same notice twice.
    """
    threshold = now - timedelta(seconds=after_seconds)
    async with db.transaction() as session:
        result = await session.execute(
            update(Feed)
            .where(
                Feed.enabled.is_(True),
                Feed.failing_since.is_not(None),
                Feed.failing_since <= threshold,
                Feed.failure_notified.is_(False),
            )
            .values(failure_notified=True)
            .returning(*_RETURNED)
        )
        return sorted((_notice(row) for row in result.all()), key=lambda notice: notice.id)


async def claim_recovery_notices(db: Database) -> list[FeedNotice]:
    """Feeds whose failure admins were told about and that fetch fine again; marks the recovery told."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Feed)
            .where(Feed.failing_since.is_(None), Feed.failure_notified.is_(True))
            .values(failure_notified=False)
            .returning(*_RETURNED)
        )
        return sorted((_notice(row) for row in result.all()), key=lambda notice: notice.id)
