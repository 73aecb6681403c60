"""Which stored items a new item is compared with: only those it could join, however far back it is dated.

An item dated months back (an old article a feed lists again) used to have every item published since its
date read and compared inside the write transaction; the cost grew with the whole history."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from feeds.gazetteer import Gazetteer, load_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.store import candidate_ranges, store_new_items
from feeds.stories import StoryRules
from storage.db import Database
from storage.ingest import IngestWrite, StoryContext
from storage.models import Feed
from storage.settings import Settings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SHELLING = "Azerbaijani troops shell Armenian positions near Sev Lake, two soldiers wounded"


def _item(gazetteer: Gazetteer, title: str, published: datetime) -> NewItem:
    key = hashlib.sha256(f"{title}|{published.isoformat()}".encode()).hexdigest()
    entry = FeedEntry(key, f"https://news.example/{key[:10]}", title, "", "en", published)
    return NewItem(entry, key, key, published, gazetteer.classifier.classify(title, "", "en"))


async def test_an_item_dated_months_back_is_compared_only_with_the_items_of_its_own_days(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    gazetteer = await load_gazetteer(db, Settings(database_url=db.url))
    feeds: list[int] = []
    async with db.transaction() as session:
        for name in ("Armenpress", "News.am"):
            feed = Feed(url=f"https://{name.lower()}.example/rss", title=name, history_loaded=True)
            session.add(feed)
            await session.flush()
            feeds.append(feed.id)
    stored = {}
    for label, age in (
        ("then", timedelta(days=300)),
        ("between", timedelta(days=150)),
        ("now", timedelta(0)),
    ):
        when = NOW - age
        (stored[label],) = await store_new_items(
            db, feeds[0], [_item(gazetteer, SHELLING, when)], alert=False, now=when
        )

    read: list[int] = []
    real_context = IngestWrite.story_context

    async def recorded(
        self: IngestWrite,
        entity_ids: Iterable[str],
        published: Sequence[tuple[datetime, datetime]],
        exclude: Iterable[int],
        recent: int = 0,
    ) -> StoryContext:
        context = await real_context(self, entity_ids, published, exclude, recent)
        read.extend(candidate.id for candidate in context.candidates)
        return context

    monkeypatch.setattr(IngestWrite, "story_context", recorded)
    old = NOW - timedelta(days=300) + timedelta(hours=2)
    (again,) = await store_new_items(db, feeds[1], [_item(gazetteer, SHELLING, old)], alert=False, now=NOW)
    assert again.story_id == stored["then"].story_id  # the second source joins the story of its day
    assert read == [stored["then"].id]  # and the months after it were not read


def test_the_ranges_cover_every_new_items_window_and_no_more_than_asked() -> None:
    window = timedelta(hours=48)
    day = timedelta(days=1)
    times = [NOW - timedelta(days=300), NOW - timedelta(hours=5), NOW]
    ranges = candidate_ranges(times, window)
    assert ranges == [
        (NOW - timedelta(days=300) - window, NOW - timedelta(days=300) + window + day),
        (NOW - timedelta(hours=5) - window - day, NOW + window + day),
    ]
    spread = [NOW - timedelta(days=7 * n) for n in range(100)]
    few = candidate_ranges(spread, window, most=5)
    assert len(few) == 5
    assert all(any(start <= when - window and when + window <= end for start, end in few) for when in spread)
    assert candidate_ranges([NOW], StoryRules().window) == [
        (NOW - StoryRules().window, NOW + StoryRules().window + day)
    ]
