"""The schema migrates on both backends and keeps timestamps in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from storage.db import Database
from storage.models import Feed


async def test_migrated_database_stores_and_returns_aware_utc_times(db: Database) -> None:
    yerevan = timezone(timedelta(hours=4))
    when = datetime(2021, 5, 12, 9, 30, tzinfo=yerevan)
    async with db.transaction() as session:
        session.add(Feed(url="https://news.am/eng/rss/", next_poll_at=when))
    async with db.transaction() as session:
        feed = (await session.execute(select(Feed))).scalar_one()
    assert feed.next_poll_at == when
    assert feed.next_poll_at.tzinfo is not None
    assert feed.next_poll_at.utcoffset() == timedelta(0)
    assert feed.next_poll_at == datetime(2021, 5, 12, 5, 30, tzinfo=UTC)
