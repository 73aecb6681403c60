"""Item identity: which entries of one document are the same item, on this poll and on every later one."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from feeds.limits import EARLIEST_PUBLISHED
from feeds.model import FeedEntry, NewItem

T = TypeVar("T")

__all__ = ["content_hash", "identity_key", "newest_entries", "newest_items", "prepare_items"]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def content_hash(entry: FeedEntry) -> str:
    """sha256 hex of the entry's normalised title and summary: equal for equal text, whatever the link."""
    return _sha256(f"{entry.title}\n{entry.summary}")


def identity_key(kind: str, value: str) -> str:
    """The stored identity of an item: sha256 hex of "guid:…", "link:…" or "content:…"."""
    return _sha256(f"{kind}:{value}")


def prepare_items(entries: Sequence[FeedEntry], now: datetime) -> list[NewItem]:
    """The entries of one feed document as NewItems, each identified stably across polls, in document order.

    Identity is the guid when the document's guids are trustworthy (on every entry and unique), else the
    canonical link when no other entry shares it, else a hash of title, summary and link. Entries that are
    exact repeats, or that end up with the same identity, are collapsed to the first. `published` falls back
    to `now` when absent (or before EARLIEST_PUBLISHED) and is clamped to `now` when in the future (`now`
    must be timezone-aware).
    """
    # Repeats of one entry must not make a feed's guids look untrustworthy.
    first_of: dict[tuple[str | None, str | None, str, str], FeedEntry] = {}
    for entry in entries:
        first_of.setdefault((entry.guid, entry.link, entry.title, entry.summary), entry)
    distinct = list(first_of.values())
    guids = Counter(entry.guid for entry in distinct)
    trust_guids = None not in guids and all(count == 1 for count in guids.values())
    links = Counter(entry.link for entry in distinct if entry.link)

    items: dict[str, NewItem] = {}
    for entry in distinct:
        if trust_guids and entry.guid:
            key = identity_key("guid", entry.guid)
        elif entry.link and links[entry.link] == 1:
            key = identity_key("link", entry.link)
        else:
            key = identity_key("content", f"{entry.title}\n{entry.summary}\n{entry.link or ''}")
        if key in items:
            continue
        published = _published(entry, now)
        items[key] = NewItem(
            entry=entry,
            identity_key=key,
            content_hash=content_hash(entry),
            published=min(published, now),
            # a day's noon still to come is clipped to now: a time, no longer the day's middle
            published_day_only=entry.published_day_only and published == entry.published and published <= now,
        )
    return list(items.values())


def newest_items(items: Sequence[NewItem], limit: int) -> Sequence[NewItem]:
    """At most `limit` of `items`: the newest by published time (an undated entry counts as published when
    first seen), in their order in the document."""
    return _newest(items, [item.published for item in items], limit)


def newest_entries(entries: Sequence[FeedEntry], limit: int, now: datetime) -> Sequence[FeedEntry]:
    """The entries newest_items keeps of the items they make (prepare_items at `now`): at most `limit`, the
    newest by published time (undated or in the future: `now`), in their order in the document."""
    times = [min(_published(entry, now), now) for entry in entries]
    return _newest(entries, times, limit)


def _published(entry: FeedEntry, now: datetime) -> datetime:
    """When the entry says it was published; `now` when it gives no date, or one before EARLIEST_PUBLISHED."""
    if entry.published is None or entry.published < EARLIEST_PUBLISHED:
        return now
    return entry.published


def _newest(values: Sequence[T], times: Sequence[datetime], limit: int) -> Sequence[T]:
    if len(values) <= limit:
        return values
    newest = sorted(range(len(values)), key=lambda index: times[index], reverse=True)[:limit]
    return [values[index] for index in sorted(newest)]
