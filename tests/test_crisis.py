"""Crisis mode: a new P1 or P2 story has the feeds that reported on its entities polled every 10 s for an
hour, across restarts and processes (it is stored), and /status says so, why and until when."""

from __future__ import annotations

import html
import random
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from feeds.crisis import CrisisStart, crises_from
from feeds.fetch import Fetcher
from feeds.ingest import FeedPoller
from feeds.model import Classification, EntityMatch, FeedEntry, NewItem
from feeds.parse import ParserPool
from feeds.schedule import tightened
from feeds.service import IngestService
from feeds.store import StoredItem, store_new_items
from storage.crises import active_crises, enter_crises, enter_crisis
from storage.db import Database
from storage.feeds import FeedRecord, FeedSchedule, add_feed, get_feed
from storage.models import Feed, Story
from storage.settings import Settings
from tests.botapi.emulator import BotApiEmulator
from tests.clock import Clock
from tests.feedserver import FeedServer, rss
from tests.harness import START, Bot, running_user_bot

SETTINGS = Settings(allow_private_urls=True, fetch_timeout=2, connect_timeout=1)
USER = 2002
HOUR = timedelta(hours=1)
PLACES = {"Sev Lake": "sev_lake", "Lachin": "lachin_corridor"}


class Tagger:
    """A stand-in classifier: "Sev Lake" and "Lachin" are entities; "shelling" makes an item P2, else P4."""

    def __call__(self, title: str, summary: str, language: str | None) -> Classification:
        found = [
            EntityMatch(entity, ((title.index(name), title.index(name) + len(name), name),))
            for name, entity in PLACES.items()
            if name in title
        ]
        if not found:
            return Classification()
        return Classification(tuple(found), "P2" if "shelling" in title.lower() else "P4")


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture(scope="module")
def parser() -> Iterator[ParserPool]:
    pool = ParserPool(workers=1)
    yield pool
    pool.close()


class Feeds:
    """Feeds on the loopback server whose documents the test rewrites, each with its database id."""

    def __init__(self, db: Database, server: FeedServer, clock: Clock) -> None:
        self.db, self.server, self.clock = db, server, clock
        self.ids: dict[str, int] = {}
        self.entries: dict[str, list[tuple[str, datetime]]] = {}

    def path(self, name: str) -> str:
        return f"/crisis-{id(self.db)}-{name}.xml"

    async def add(self, name: str, *titles: tuple[str, timedelta]) -> None:
        """A feed due now, with items (title, age) already published."""
        self.entries[name] = []
        self.publish(name, *titles)
        feed, _ = await add_feed(self.db, self.server.url(self.path(name)), now=self.clock.now)
        self.ids[name] = feed.id

    def publish(self, name: str, *titles: tuple[str, timedelta]) -> None:
        self.entries[name][:0] = [(title, self.clock.now - age) for title, age in titles]
        entries = self.entries[name]
        self.server.add(
            self.path(name),
            rss(
                name,
                [
                    (
                        f"{name}-{zlib.crc32(title.encode())}",
                        html.escape(title),
                        f"http://example.com/{name}",
                        "",
                    )
                    for title, _ in entries
                ],
                dates=[int(when.timestamp()) for _, when in entries],
            ),
        )

    async def get(self, name: str) -> FeedRecord:
        feed = await get_feed(self.db, self.ids[name])
        assert feed is not None
        return feed


def ingest(db: Database, clock: Clock, parser: ParserPool) -> IngestService:
    return IngestService(db, SETTINGS, Tagger(), clock=clock, rng=random.Random(0), parser=parser)


async def polled(service: IngestService) -> set[int]:
    return {result.feed.id for result in (await service.poll_due_once()).results}


async def test_a_p2_story_hurries_the_feeds_that_reported_on_its_entities_for_an_hour(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    feeds = Feeds(db, server, clock)
    await feeds.add("agency", ("Patrol seen near Sev Lake", timedelta(days=3)))
    clock.advance(seconds=30)
    await feeds.add("ministry", ("Statement on Sev Lake", timedelta(days=40)))
    await feeds.add("weather", ("Snow in Yerevan", timedelta(days=1)))
    await feeds.add("corridor", ("Lachin checkpoint open", timedelta(days=2)))
    # a P2 item, but in the feed's first fetch: history, which never starts crisis mode
    await feeds.add("archive", ("Shelling near Sev Lake last spring", timedelta(days=200)))
    clock.advance(seconds=-30)

    # a feed's first fetch puts its next poll 30 to 60 s later (feeds added together are spread out), so
    # the agency (fetched first at 0 s) is due again by 60 s, the four others (at 30 s) after 60 s, by 90 s
    async with ingest(db, clock, parser) as service:
        assert await polled(service) == {feeds.ids["agency"]}
        clock.advance(seconds=30)
        assert len(await polled(service)) == 4
        # news of a lower severity starts nothing either
        clock.advance(seconds=30)
        feeds.publish("agency", ("Sev Lake patrol report", timedelta(seconds=20)))
        assert await polled(service) == {feeds.ids["agency"]}
        assert await active_crises(db, clock.now) == []

        clock.advance(seconds=30)
        feeds.publish("ministry", ("Shelling near Sev Lake wounds two", timedelta(seconds=5)))
        round_at = clock.now
        assert len(await polled(service)) == 4

    (crisis,) = await active_crises(db, clock.now)
    assert (crisis.severity, crisis.entity_ids, crisis.title) == (
        "P2",
        ("sev_lake",),
        "Shelling near Sev Lake wounds two",
    )
    assert (crisis.started_at, crisis.ends_at) == (round_at, round_at + HOUR)
    sev_lake_feeds = {"agency", "ministry", "archive"}
    assert crisis.feeds == len(sev_lake_feeds)
    for name in feeds.ids:
        feed = await feeds.get(name)
        assert feed.crisis_until == (round_at + HOUR if name in sev_lake_feeds else None), name
    # the agency (polled 30 s ago, next due in 30 s) is due at once; the ministry 10 s after its poll
    assert (await feeds.get("agency")).next_poll_at == round_at
    ministry = await feeds.get("ministry")
    assert ministry.last_success_at is not None
    assert ministry.next_poll_at == ministry.last_success_at + timedelta(seconds=10)
    assert (await feeds.get("weather")).next_poll_at == round_at + timedelta(seconds=60)

    # a restart keeps it: a new service polls the crisis feeds every 10 s for the rest of the hour
    async with ingest(db, clock, parser) as service:
        assert await polled(service) == {feeds.ids["agency"]}
        assert (await feeds.get("agency")).next_poll_at == clock.now + timedelta(seconds=10)
        clock.now = ministry.next_poll_at
        assert feeds.ids["ministry"] in await polled(service)
        assert (await feeds.get("ministry")).next_poll_at == clock.now + timedelta(seconds=10)

        # after the hour, back to every minute
        clock.now = round_at + HOUR + timedelta(seconds=1)
        assert {feeds.ids[name] for name in sev_lake_feeds} <= await polled(service)
        for name in sev_lake_feeds:
            assert (await feeds.get(name)).next_poll_at == clock.now + timedelta(seconds=60), name
    assert await active_crises(db, clock.now) == []


def stored(story_id: int, severity: str | None, entities: tuple[str, ...], age: timedelta) -> StoredItem:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    return StoredItem(story_id, 1, story_id, "t", None, now - age, entities, severity, 0)


def test_each_p1_or_p2_story_with_entities_starts_one_crisis_over_all_its_entities() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    minute = timedelta(minutes=1)
    items = [
        stored(1, "P2", ("sev_lake",), minute),
        stored(1, "P1", ("jermuk",), minute),
        stored(2, "P3", ("goris",), minute),
        stored(3, "P1", (), minute),
        stored(4, "P1", ("kapan",), timedelta(days=2)),  # published two days before it was seen
    ]
    (crisis,) = crises_from(items, alerting=True, now=now, duration=HOUR)
    assert (crisis.story_id, crisis.severity, crisis.entity_ids) == (1, "P1", ("sev_lake", "jermuk"))
    assert crisis.ends_at == now + HOUR
    assert crises_from(items, alerting=False, now=now, duration=HOUR) == []
    assert crises_from(items, alerting=True, now=now, duration=timedelta(0)) == []


async def test_status_shows_crisis_mode_why_and_until_when(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    clock = Clock(START - timedelta(minutes=10))
    feeds = Feeds(db, server, clock)
    await feeds.add("agency", ("Patrol seen near Sev Lake", timedelta(days=3)))
    await feeds.add("ministry", ("Statement on Sev Lake", timedelta(days=40)))
    async with ingest(db, clock, parser) as service:
        await polled(service)
        clock.advance(seconds=60)
        feeds.publish("agency", ("Shelling near Sev Lake <overnight> & at dawn", timedelta(seconds=30)))
        await polled(service)

    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(USER, "Uma")
        async with running_user_bot(db, telegram) as bot:
            lines = (await Bot.say(bot, USER, "/status")).splitlines()
            assert lines[:2] == [
                "Status at 2026-05-01 12:00 UTC",
                "Crisis mode 11:51–12:51 UTC: [P2] Shelling near Sev Lake <overnight> & at dawn (Sev Lake). "
                "2 feeds that report on them are polled every 10 s.",
            ]
            assert isinstance(bot.ctx.clock, Clock)
            bot.ctx.clock.advance(minutes=52)
            assert "Crisis mode" not in await bot.say(USER, "/status")


async def test_crisis_mode_spares_backoff_server_bounds_and_a_channels_own_minimum(
    db: Database, parser: ParserPool
) -> None:
    """Entering crisis mode brings forward the next poll of the feeds that reported on the entity, but not of
    a failing feed, nor past a server's bound, and a Telegram channel stays at its own minimum interval."""
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    fetcher = Fetcher(SETTINGS)
    poller = FeedPoller(
        db, SETTINGS, fetcher, parser, Tagger(), worker="w", clock=Clock(now), rng=random.Random(0)
    )
    await fetcher.aclose()  # only the poller's crisis intervals are used
    assert (poller.crisis_interval("feed"), poller.crisis_interval("telegram")) == (10, 60)
    # name → (kind, next poll in s, failures); every one fetched 30 s ago at a 60 s interval
    shapes = {
        "agency": ("feed", 30, 0),
        "channel": ("telegram", 30, 0),
        "failing": ("feed", 400, 3),
        "max-age": ("feed", 570, 0),
        "elsewhere": ("feed", 30, 0),
    }
    ids: dict[str, int] = {}
    for n, (name, (kind, next_in, failures)) in enumerate(shapes.items()):
        feed, _ = await add_feed(db, f"https://{name}.example/rss", now=now, kind=kind)
        ids[name] = feed.id
        async with db.transaction() as session:
            await session.execute(
                update(Feed)
                .where(Feed.id == feed.id)
                .values(
                    last_fetched_at=now - timedelta(seconds=30),
                    next_poll_at=now + timedelta(seconds=next_in),
                    consecutive_failures=failures,
                )
            )
        entity = "kapan" if name == "elsewhere" else "sev_lake"
        item = NewItem(
            FeedEntry(f"g{n}", None, f"News {n}", "", None, None),
            f"{n:064d}",
            f"{n:064d}",
            now - timedelta(days=2),
            Classification((EntityMatch(entity, ()),), "P4"),
        )
        await store_new_items(db, feed.id, [item], alert=False, now=now)
    async with db.transaction() as session:
        story_id = await session.scalar(select(func.min(Story.id)))
    assert story_id is not None
    crisis = CrisisStart(story_id, "P2", ("sev_lake",), now + HOUR)

    def sooner(kind: str, schedule: FeedSchedule) -> datetime | None:
        return tightened(schedule, now, poller.crisis_interval(kind))

    hurried = await enter_crisis(db, crisis, now, sooner=sooner)
    assert set(hurried) == {ids[name] for name in shapes if name != "elsewhere"}
    next_in = {
        name: ((await get_feed(db, feed_id)).next_poll_at - now).total_seconds()  # type: ignore[union-attr]
        for name, feed_id in ids.items()
    }
    assert next_in == {"agency": 0, "channel": 30, "failing": 400, "max-age": 570, "elsewhere": 30}


async def test_the_crises_of_one_poll_are_entered_together_each_with_its_own_feeds(db: Database) -> None:
    """Three stories of one poll (storage.crises.enter_crises, one transaction): each crisis is recorded with
    the feeds that reported on its entities, a feed hurried by two keeps the later end, a story already in
    crisis is extended (entities joined, later end kept), and feeds reporting on neither are left alone."""
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    ids: dict[str, int] = {}
    for n, (name, entity) in enumerate(
        [("lake", "sev_lake"), ("road", "lachin_corridor"), ("both", "sev_lake"), ("town", "kapan")]
    ):
        feed, _ = await add_feed(db, f"https://{name}.example/rss", now=now)
        ids[name] = feed.id
        entities = ("sev_lake", "lachin_corridor") if name == "both" else (entity,)
        item = NewItem(
            FeedEntry(f"g{n}", None, f"News {n}", "", None, None),
            f"{n:064d}",
            f"{n:064d}",
            now - timedelta(days=2),
            Classification(tuple(EntityMatch(e, ()) for e in entities), "P4"),
        )
        await store_new_items(db, feed.id, [item], alert=False, now=now)
    async with db.transaction() as session:
        stories = list(await session.scalars(select(Story.id).order_by(Story.id)))
    first, second, third = stories[:3]
    await enter_crisis(db, CrisisStart(third, "P2", ("kapan",), now + 3 * HOUR), now, sooner=lambda *_: None)
    hurried = await enter_crises(
        db,
        [
            CrisisStart(first, "P2", ("sev_lake",), now + HOUR),
            CrisisStart(second, "P1", ("lachin_corridor",), now + 2 * HOUR),
            CrisisStart(third, "P1", ("sev_lake",), now + HOUR),
        ],
        now,
        sooner=lambda *_: None,
    )
    assert [set(feeds) for feeds in hurried] == [
        {ids["lake"], ids["both"]},
        {ids["road"], ids["both"]},
        {ids["lake"], ids["both"], ids["town"]},
    ]
    crises = {crisis.story_id: crisis for crisis in await active_crises(db, now)}
    assert {story: (c.severity, set(c.entity_ids), c.feeds, c.ends_at) for story, c in crises.items()} == {
        first: ("P2", {"sev_lake"}, 2, now + HOUR),
        second: ("P1", {"lachin_corridor"}, 2, now + 2 * HOUR),
        third: ("P1", {"kapan", "sev_lake"}, 3, now + 3 * HOUR),
    }
    until = {name: (await get_feed(db, feed_id)).crisis_until for name, feed_id in ids.items()}  # type: ignore[union-attr]
    assert until == {
        "lake": now + 3 * HOUR,
        "road": now + 2 * HOUR,
        "both": now + 3 * HOUR,
        "town": now + 3 * HOUR,
    }
