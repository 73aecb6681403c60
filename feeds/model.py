"""Data that crosses module borders inside feeds/: small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from feeds.limits import MAX_GUID_CHARS, MAX_LINK_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, clip_text


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed entry, normalised: plain text, canonical link, UTC time (None when the feed gives none).

    `published_day_only`: the source gave the day and no time of day; `published` is then that day's noon (in
    the source's zone, UTC when unknown) and stands for the whole day (feeds.stories compares it as a day).

    Whichever reader builds it, it holds no more than feeds.limits allows: title and summary cut (with an
    ellipsis), the guid cut, a link longer than its cap dropped.
    """

    guid: str | None
    link: str | None
    title: str
    summary: str
    language: str | None
    published: datetime | None
    published_day_only: bool = False

    def __post_init__(self) -> None:
        if len(self.title) > MAX_TITLE_CHARS:
            object.__setattr__(self, "title", clip_text(self.title, MAX_TITLE_CHARS))
        if len(self.summary) > MAX_SUMMARY_CHARS:
            object.__setattr__(self, "summary", clip_text(self.summary, MAX_SUMMARY_CHARS))
        if self.guid is not None and len(self.guid) > MAX_GUID_CHARS:
            object.__setattr__(self, "guid", self.guid[:MAX_GUID_CHARS])
        if self.link is not None and len(self.link) > MAX_LINK_CHARS:
            object.__setattr__(self, "link", None)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed document: its own title and language, its <ttl> in seconds, and its entries."""

    title: str | None
    language: str | None
    ttl_seconds: int | None
    entries: tuple[FeedEntry, ...]


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """An entity found in an item, with its spans (start, end, text) over `title + "\\n" + summary`."""

    entity_id: str
    spans: tuple[tuple[int, int, str], ...]
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """The tags of one item: entities found (sorted by id), a severity P1–P4 or None, and the event types
    (config/severity.yaml: "shelling", "blockade", "talks"…) its text reports, after negation."""

    entities: tuple[EntityMatch, ...] = ()
    severity: str | None = None
    events: frozenset[str] = frozenset()

    @property
    def entity_ids(self) -> list[str]:
        return [match.entity_id for match in self.entities]


@dataclass(frozen=True, slots=True)
class NewItem:
    """An entry ready to store: normalised, classified, with its identity worked out."""

    entry: FeedEntry
    identity_key: str
    content_hash: str
    published: datetime
    classification: Classification = field(default_factory=Classification)
    # `published` is the noon of a day the source gave without a time (FeedEntry.published_day_only)
    published_day_only: bool = False
