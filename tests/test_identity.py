"""Item identity: each item once per document, and the same key for it on every later poll."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from feeds.identity import prepare_items
from feeds.model import FeedEntry, NewItem
from feeds.parse import parse_feed

FEEDS = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2022, 9, 13, 6, 0, tzinfo=UTC)


def _poll(name: str) -> list[NewItem]:
    feed = parse_feed(
        (FEEDS / name).read_bytes(), {"Content-Type": "application/rss+xml"}, f"https://x.az/{name}"
    )
    return prepare_items(feed.entries, NOW)


def _entry(guid: str | None, link: str | None, title: str, published: datetime | None = None) -> FeedEntry:
    return FeedEntry(guid=guid, link=link, title=title, summary="", language="en", published=published)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_trustworthy_guids_are_the_identity() -> None:
    items = _poll("rss20.xml")
    assert [i.identity_key for i in items] == [_sha(f"guid:news.am-70000{n}") for n in (1, 2, 3, 4)]


def test_a_feed_repeating_one_guid_yields_each_item_once_by_link() -> None:
    items = _poll("repeated_guids.xml")
    assert [i.entry.title for i in items] == [
        "Laçın yolunda vəziyyət",
        "Sərhəddə atışma",
        "Nazirlik bəyanat yayıb",
    ]
    assert [i.identity_key for i in items] == [
        _sha(f"link:https://qafqazinfo.az/news/detail/41000{n}") for n in (1, 2, 3)
    ]
    assert [i.identity_key for i in _poll("repeated_guids.xml")] == [i.identity_key for i in items]


def test_a_feed_without_guids_collapses_repeats_and_tells_apart_items_sharing_a_link() -> None:
    items = _poll("no_guids.xml")
    assert [i.entry.title for i in items] == [
        "Müdafiə Nazirliyi: mövqelərimiz atəşə tutulub",
        "Prezident İlham Əliyev Təhlükəsizlik Şurasının iclasını keçirib",
        "Foto xəbər",
        "Foto xəbər",
    ]
    keys = [i.identity_key for i in items]
    assert len(set(keys)) == 4
    assert keys[1] == _sha("link:https://azertag.az/xeber/2300002")  # tracking parameter gone
    assert keys[2] == _sha("content:Foto xəbər\nBirinci şəkil.\nhttps://azertag.az/")
    assert [i.identity_key for i in _poll("no_guids.xml")] == keys


def test_keys_do_not_depend_on_the_order_of_the_document() -> None:
    feed = parse_feed((FEEDS / "no_guids.xml").read_bytes(), {}, "https://azertag.az/rss")
    forward = {i.identity_key for i in prepare_items(feed.entries, NOW)}
    backward = {i.identity_key for i in prepare_items(tuple(reversed(feed.entries)), NOW)}
    assert forward == backward


def test_an_exact_repeat_does_not_make_guids_untrustworthy() -> None:
    entries = [
        _entry("g1", "https://a.am/1", "One"),
        _entry("g2", None, "Two"),
        _entry("g1", "https://a.am/1", "One"),
    ]
    items = prepare_items(entries, NOW)
    assert [i.identity_key for i in items] == [_sha("guid:g1"), _sha("guid:g2")]


def test_one_missing_guid_makes_the_document_fall_back_to_links() -> None:
    entries = [_entry("g1", "https://a.am/1", "One"), _entry(None, "https://a.am/2", "Two")]
    assert [i.identity_key for i in prepare_items(entries, NOW)] == [
        _sha("link:https://a.am/1"),
        _sha("link:https://a.am/2"),
    ]


def test_entries_with_neither_guid_nor_link_are_told_apart_by_content() -> None:
    entries = [_entry(None, None, "One"), _entry(None, None, "Two"), _entry(None, None, "One")]
    items = prepare_items(entries, NOW)
    assert [i.entry.title for i in items] == ["One", "Two"]
    assert items[0].identity_key == _sha("content:One\n\n")


def test_content_hash_is_the_text_alone() -> None:
    first, second = prepare_items(
        [_entry("a", "https://a.am/1", "Same"), _entry("b", "https://b.az/9", "Same")], NOW
    )
    assert first.content_hash == second.content_hash == _sha("Same\n")
    assert first.identity_key != second.identity_key


def test_published_falls_back_to_now_and_is_clamped_to_now() -> None:
    past = datetime(2022, 9, 13, 2, 5, tzinfo=UTC)
    entries = [
        _entry("a", None, "Dated", past),
        _entry("b", None, "Undated"),
        _entry("c", None, "Future", datetime(2100, 1, 1, tzinfo=UTC)),
    ]
    assert [i.published for i in prepare_items(entries, NOW)] == [past, NOW, NOW]


def test_a_day_only_time_stays_a_day_unless_its_noon_is_still_to_come() -> None:
    yesterday = FeedEntry("a", None, "Shots near Sotk", "", "en", datetime(2022, 9, 12, 12, tzinfo=UTC), True)
    today = FeedEntry("b", None, "Talks in Brussels", "", "en", datetime(2022, 9, 13, 12, tzinfo=UTC), True)
    past, future = prepare_items([yesterday, today], NOW)
    assert (past.published, past.published_day_only) == (datetime(2022, 9, 12, 12, tzinfo=UTC), True)
    # today's noon is after NOW (06:00): clipped to NOW, a time and no longer the day's middle
    assert (future.published, future.published_day_only) == (NOW, False)
