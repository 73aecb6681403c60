"""What happens to the new items of a batch of polls, top to bottom, in one transaction:

1. which of the documents' items are new (a re-poll stores nothing twice; the same text under another guid
   is not a new item), and which stored ones were edited in place (Telegram posts);
2. the new items are stored with their tags (classified before, outside the transaction);
3. each joins an open story or starts one (feeds.placing decides; stories shown to be one are merged);
4. who is alerted (feeds.routing decides): new alerts, edits and replies go into the outbox;
5. each poll's outcome is recorded (schedule, validators, errors).

Item, tags, story and outbox rows commit together or not at all: a crash never loses an alert
(storage.ingest owns the transaction and the SQL; the decisions are pure functions in feeds/).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from feeds.model import Classification, NewItem
from feeds.placing import NewStoryItem, Placement, Resolved, place
from feeds.routing import PlacedItem, is_news, route_alerts
from feeds.signature import event_types
from feeds.stories import RULE_NEW, Fingerprint, StoryRules, fingerprint
from storage.db import Database
from storage.feeds import FetchRecord
from storage.ingest import (
    IngestWrite,
    ItemPlacement,
    ItemRow,
    NewStory,
    StoryContext,
    ingest_transaction,
)
from storage.tags import Tag


@dataclass(frozen=True, slots=True)
class FeedItems:
    """The items of one feed's document (classified), fetched at `now`; `alert` once the feed's history is
    loaded; `same_text_is_known`: an item whose text a stored item of the feed has is not new (a story the
    feed published again under another guid); `edits`: stored items whose text changed take the new text
    (edited Telegram posts), without alerting; `record` makes the poll's outcome from the number of items
    that turned out new."""

    feed_id: int
    items: Sequence[NewItem]
    alert: bool
    now: datetime
    same_text_is_known: bool = False
    edits: bool = False
    record: Callable[[int], FetchRecord] | None = None


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item that was new to the database, with what it was tagged and how many chats it will alert."""

    id: int
    feed_id: int
    story_id: int
    title: str
    link: str | None
    published: datetime
    entity_ids: tuple[str, ...]
    severity: str | None
    alerted_chats: int
    story_rule: str = RULE_NEW
    story_score: float | None = None


@dataclass(frozen=True, slots=True)
class _New:
    """An item this batch inserted, and the poll it came from."""

    item_id: int
    item: NewItem
    poll: FeedItems

    @property
    def tagged(self) -> bool:
        return bool(self.item.classification.entities)

    @property
    def news(self) -> bool:
        return is_news(
            history_loaded=self.poll.alert,
            tagged=self.tagged,
            published=self.item.published,
            fetched=self.poll.now,
        )


async def store_new_items(
    db: Database,
    feed_id: int,
    items: Sequence[NewItem],
    *,
    alert: bool,
    now: datetime,
    stories: StoryRules | None = None,
) -> list[StoredItem]:
    """Store the items of one feed's document that are new and return only those (see store_polls)."""
    (stored,) = await store_polls(db, [FeedItems(feed_id, items, alert, now)], stories or StoryRules())
    return stored


async def store_new_items_of_feeds(
    db: Database, feeds: Sequence[FeedItems], *, stories: StoryRules | None = None
) -> list[list[StoredItem]]:
    """store_new_items for the documents of many feeds at once, in one transaction."""
    return await store_polls(db, feeds, stories or StoryRules())


async def store_polls(db: Database, polls: Sequence[FeedItems], rules: StoryRules) -> list[list[StoredItem]]:
    """Store what a batch of polls brought in one transaction: see store_batch."""
    async with ingest_transaction(db) as tx:
        return await store_batch(tx, polls, rules)


async def store_batch(
    tx: IngestWrite, polls: Sequence[FeedItems], rules: StoryRules
) -> list[list[StoredItem]]:
    """Store what a batch of polls brought in the transaction `tx` (see the module docstring); for each poll,
    in order, the items that were new."""
    fresh = await _new_items_of(tx, polls)
    pairs = [(poll, item) for poll, items in zip(polls, fresh, strict=True) for item in items]
    ids = await tx.insert_items([_row(poll, item) for poll, item in pairs])
    new = [_New(item_id, item, poll) for (poll, item), item_id in zip(pairs, ids, strict=True) if item_id]
    stories = await _join_stories(tx, new, rules)
    news = [one for one in new if one.news]
    audience = await tx.audience(
        {e for one in news for e in one.item.classification.entity_ids},
        {stories.joined[one.item_id].story_id for one in news},
    )
    routing = await _off_loop(route_alerts, [_placed(one, stories) for one in news], audience)
    await tx.queue(routing.plan)
    new_of_poll = {id(poll): [one for one in new if one.poll is poll] for poll in polls}
    await tx.record_fetches(
        [(p.feed_id, p.record(len(new_of_poll[id(p)]))) for p in polls if p.record is not None]
    )
    return [
        [_stored(one, stories, routing.alerted_chats.get(one.item_id, 0)) for one in new_of_poll[id(poll)]]
        for poll in polls
    ]


async def _new_items_of(tx: IngestWrite, polls: Sequence[FeedItems]) -> list[list[NewItem]]:
    """For each poll, its items not stored yet (each identity key once); stored items whose text changed are
    updated on the way when the poll takes edits."""
    asked = [poll for poll in polls if poll.items]
    known = await tx.known_items(
        [(p.feed_id, [i.identity_key for i in p.items], [i.content_hash for i in p.items]) for p in asked]
    )
    known_of = {id(poll): found for poll, found in zip(asked, known, strict=True)}
    result: list[list[NewItem]] = []
    for poll in polls:
        keys, hashes = known_of.get(id(poll), (set(), set()))
        unique: dict[str, NewItem] = {}
        for item in poll.items:
            # a story already stored under another guid is the same story, not a new one
            if item.identity_key not in keys and not (
                poll.same_text_is_known and item.content_hash in hashes
            ):
                unique.setdefault(item.identity_key, item)
        result.append(list(unique.values()))
        if poll.edits:
            await _store_edits(tx, poll, [item for item in poll.items if item.identity_key in keys])
    return result


async def _store_edits(tx: IngestWrite, poll: FeedItems, known: Sequence[NewItem]) -> None:
    """Stored items of the feed whose text is not the text now: new text and tags, no alert."""
    if not known:
        return
    stored = await tx.stored_content_hashes(poll.feed_id, [item.identity_key for item in known])
    edited = [item for item in known if stored.get(item.identity_key, item.content_hash) != item.content_hash]
    if edited:
        await tx.update_edited_items([_row(poll, item) for item in edited])


async def _join_stories(tx: IngestWrite, new: Sequence[_New], rules: StoryRules) -> Resolved:
    """Put every new item in a story (feeds.placing), store the stories the batch starts, merge the stories
    it shows to be one, and record each item's story and each story's severity."""
    placed = [one for one in new if _compared(one, rules)]
    entity_ids = {e for one in placed for e in one.item.classification.entity_ids}
    context = StoryContext([], {}, {})
    if placed:
        published = candidate_ranges([one.item.published for one in placed], rules.window)
        context = await tx.story_context(
            entity_ids,
            published,
            exclude=[one.item_id for one in new],
            recent=rules.recent_candidates,
            per_source=rules.candidates_per_source,
            recent_per_source=rules.recent_candidates_per_source,
        )
    placement = await _off_loop(placed_batch, new, context, rules)
    by_id = {one.item_id: one for one in new}
    story_ids = await tx.insert_stories(
        [
            NewStory(item_id, by_id[item_id].item.entry.title, severity, by_id[item_id].poll.now)
            for item_id, severity in placement.new_stories()
        ]
    )
    stories = placement.resolve(story_ids)
    now = max((one.poll.now for one in new), default=None)
    if now is None:
        return stories
    for survivor, absorbed in sorted(stories.absorbed.items()):
        stories.absorbed_into(survivor, await tx.merge_stories(survivor, absorbed, now))
    await tx.place_items(
        [
            ItemPlacement(j.item_id, j.story_id, j.rule, j.score, j.matched_item, j.evidence, j.merged)
            for j in stories.joined.values()
        ],
        stories.grown(),
        now,
    )
    return stories


_Result = TypeVar("_Result")


async def _off_loop(work: Callable[..., _Result], batch: Sequence[Any], *rest: Any) -> _Result:
    """`work(batch, *rest)` in a worker thread: a crisis burst's story placing (dozens of feeds' items of the
    same events, each compared with thousands of open stories' items) and its alert routing (new stories
    times a thousand subscribed chats) are seconds of pure-Python work on plain data, which on the event loop
    held every chat reply, delivery and other feed's poll meanwhile (bench/loop_stall.py). An empty batch (a
    round of 304s) is done at once, with no trip to a thread."""
    if not batch:
        return work(batch, *rest)
    return await asyncio.to_thread(work, batch, *rest)


def placed_batch(new: Sequence[_New], context: StoryContext, rules: StoryRules) -> Placement:
    """Where the batch's new items go (feeds.placing), compared with the open stories' items of `context`:
    pure, on plain data."""
    kinds = context.kinds
    pool = [
        _fingerprint(
            c.title, c.summary, c.language, c.published, c.entity_ids, kinds, rules,
            item_id=c.id, story_id=c.story_id, source=c.feed_id, events=c.events or (), mentions=c.mentions,
            day_only=c.published_day_only, headline=c.headline_entities,
        )
        for c in context.candidates
    ]  # fmt: skip
    return place([_story_item(one, kinds, rules) for one in new], pool, context.severities, rules)


def _compared(one: _New, rules: StoryRules) -> bool:
    """Whether a new item is compared with the open stories: tagged, or (rules.place_untagged) naming a kind
    of event (an untagged item never alerts, but it may be another language's report of a tracked event)."""
    return one.tagged or (rules.place_untagged and bool(event_types(one.item.classification)))


# A date without a time stands for its whole day (feeds.stories.time_apart): an item within the story window
# of a new one is at most this much farther from it by the published times.
_DAY_SLACK = timedelta(days=1)
CANDIDATE_RANGES = 32


def candidate_ranges(
    published: Sequence[datetime], window: timedelta, most: int = CANDIDATE_RANGES
) -> list[tuple[datetime, datetime]]:
    """The published times whose stored items a batch of new items published at `published` may join: within
    `window` of one of them (and never before the earliest less `window`), as at most `most` ranges.

    Only those can join, so the others are never read: an item dated months back beside today's would
    otherwise have every item of those months read and compared inside the write transaction."""
    earliest = min(published) - window
    merged: list[tuple[datetime, datetime]] = []
    for when in sorted(published):
        start, end = max(earliest, when - window - _DAY_SLACK), when + window + _DAY_SLACK
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    while len(merged) > most:  # join the two neighbours closest to each other
        at = min(range(len(merged) - 1), key=lambda k: merged[k + 1][0] - merged[k][1])
        merged[at : at + 2] = [(merged[at][0], merged[at + 1][1])]
    return merged


def _story_item(one: _New, kinds: dict[str, str], rules: StoryRules) -> NewStoryItem:
    entry, classification = one.item.entry, one.item.classification
    title_length = len(entry.title)
    headline = [
        match.entity_id
        for match in classification.entities
        if any(isinstance(span[0], int) and span[0] < title_length for span in match.spans)
    ]
    fp = _fingerprint(
        entry.title,
        entry.summary,
        entry.language,
        one.item.published,
        classification.entity_ids,
        kinds,
        rules,
        item_id=one.item_id,
        source=one.poll.feed_id,
        events=sorted(event_types(classification)),
        mentions=[span[2] for match in classification.entities for span in match.spans],
        day_only=one.item.published_day_only,
        headline=headline,
    )
    return NewStoryItem(one.item_id, fp, classification.severity, _compared(one, rules))


def _fingerprint(
    title: str,
    summary: str,
    language: str | None,
    published: datetime,
    entity_ids: Sequence[str],
    kinds: dict[str, str],
    rules: StoryRules,
    *,
    item_id: int,
    source: int,
    story_id: int | None = None,
    events: Sequence[str] = (),
    mentions: Sequence[str] = (),
    day_only: bool = False,
    headline: Sequence[str] = (),
) -> Fingerprint:
    return fingerprint(
        title,
        summary,
        language,
        published,
        entity_ids,
        places=[e for e in entity_ids if kinds.get(e) == "place"],
        events=events,
        mentions=mentions,
        rules=rules,
        story_id=story_id,
        item_id=item_id,
        source=source,
        day_only=day_only,
        participants=[e for e in headline if kinds.get(e) == "person"],
    )


def _placed(one: _New, stories: Resolved) -> PlacedItem:
    joined = stories.joined[one.item_id]
    return PlacedItem(
        one.item_id,
        joined.story_id,
        tuple(one.item.classification.entity_ids),
        joined.severity_after,
        joined.raised,
        one.poll.now,
    )


def _stored(one: _New, stories: Resolved, alerted_chats: int) -> StoredItem:
    item, joined = one.item, stories.joined[one.item_id]
    return StoredItem(
        id=one.item_id,
        feed_id=one.poll.feed_id,
        story_id=joined.story_id,
        title=item.entry.title,
        link=item.entry.link,
        published=item.published,
        entity_ids=tuple(item.classification.entity_ids),
        severity=item.classification.severity,
        alerted_chats=alerted_chats,
        story_rule=joined.rule,
        story_score=joined.score,
    )


def tags_of(classification: Classification) -> tuple[Tag, ...]:
    """The stored tags of a classification: one per entity, with its spans."""
    return tuple(Tag(match.entity_id, tuple(match.spans)) for match in classification.entities)


def _row(poll: FeedItems, item: NewItem) -> ItemRow:
    entry, classification = item.entry, item.classification
    return ItemRow(
        feed_id=poll.feed_id,
        identity_key=item.identity_key,
        guid=entry.guid,
        link=entry.link,
        title=entry.title,
        summary=entry.summary,
        language=entry.language,
        published=item.published,
        published_day_only=item.published_day_only,
        fetched_at=poll.now,
        content_hash=item.content_hash,
        severity=classification.severity,
        events=tuple(sorted(event_types(classification))),
        tags=tags_of(classification),
        alertable=is_news(
            history_loaded=poll.alert,
            tagged=bool(classification.entities),
            published=item.published,
            fetched=poll.now,
        ),
    )


__all__ = [
    "FeedItems",
    "StoredItem",
    "store_batch",
    "store_new_items",
    "store_new_items_of_feeds",
    "store_polls",
    "tags_of",
]
