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
from storage.settings import Settings
from tests.conftest import add_named_feeds

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
    feeds = list((await add_named_feeds(db, ["Armenpress", "News.am"])).values())
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
        **bounds: int | None,
    ) -> StoryContext:
        context = await real_context(self, entity_ids, published, exclude, **bounds)  # type: ignore[arg-type]
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


async def test_a_feed_posting_many_items_a_poll_adds_at_most_its_bound_and_a_report_still_meets_its_story(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    gazetteer = await load_gazetteer(db, Settings(database_url=db.url))
    feeds = await add_named_feeds(db, ["Flood", "Armenpress", "News.am"])
    rules = StoryRules(candidates_per_source=5, recent_candidates=0)
    (first,) = await store_new_items(
        db, feeds["Armenpress"], [_item(gazetteer, SHELLING, NOW - timedelta(hours=3))], alert=False, now=NOW
    )

    read = _record_candidate_feeds(monkeypatch)  # the feeds of each batch's candidates
    for poll in range(4):  # every poll, ten new items about Sev Lake, each its own
        batch = [
            _item(gazetteer, f"Sev Lake notice {poll}-{n}: {word} road closed", NOW - timedelta(minutes=n))
            for n, word in enumerate(
                ("north", "south", "east", "west", "upper", "lower", "old", "new", "A", "B")
            )
        ]
        stored = await store_new_items(db, feeds["Flood"], batch, alert=False, now=NOW, stories=rules)
        assert len(stored) == 10  # every item is stored
    assert [feeds_read.count(feeds["Flood"]) for feeds_read in read] == [0, 5, 5, 5]

    (report,) = await store_new_items(
        db, feeds["News.am"], [_item(gazetteer, SHELLING, NOW)], alert=False, now=NOW, stories=rules
    )
    assert read[-1].count(feeds["Flood"]) == 5
    assert report.story_id == first.story_id  # the other feeds' items are all still candidates


async def test_a_flooding_feed_takes_at_most_its_share_of_the_newest_candidates(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest tagged items of the window are candidates whatever their entities (300 by default); a feed
    posting more tagged items than that cannot take them all: each feed has at most 100 of them, so the
    reports of other sources stay candidates."""
    gazetteer = await load_gazetteer(db, Settings(database_url=db.url))
    feeds = await add_named_feeds(db, ["Flood", "Armenpress", "News.am"])
    rules = StoryRules()
    lachin = "Azerbaijani checkpoint closes the Lachin corridor to civilian traffic"
    (first,) = await store_new_items(
        db, feeds["Armenpress"], [_item(gazetteer, lachin, NOW - timedelta(hours=3))], alert=False, now=NOW
    )
    for poll in range(4):  # 4 polls of 80 tagged items each, all newer than the report
        batch = [
            _item(gazetteer, f"Sev Lake notice {poll}-{n}: road {n} closed", NOW - timedelta(minutes=n))
            for n in range(80)
        ]
        await store_new_items(db, feeds["Flood"], batch, alert=False, now=NOW, stories=rules)

    read = _record_candidate_feeds(monkeypatch)
    # a report naming no tracked entity of the others: it meets them only among the newest tagged items
    untracked = "Azerbaijani troops shell an Armenian village, two soldiers wounded"
    await store_new_items(
        db, feeds["News.am"], [_item(gazetteer, untracked, NOW)], alert=False, now=NOW, stories=rules
    )
    (candidates,) = read
    assert candidates.count(feeds["Flood"]) == 100
    assert feeds["Armenpress"] in candidates and first.story_id is not None


def _record_candidate_feeds(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The feeds of each batch's story candidates, as ingest reads them from now on."""
    read: list[list[int]] = []
    real_context = IngestWrite.story_context

    async def recorded(self: IngestWrite, *args: object, **bounds: int | None) -> StoryContext:
        context = await real_context(self, *args, **bounds)  # type: ignore[arg-type]
        read.append([candidate.feed_id for candidate in context.candidates])
        return context

    monkeypatch.setattr(IngestWrite, "story_context", recorded)
    return read
