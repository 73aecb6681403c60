"""One event reported by four feeds in four languages, end to end: the loopback feed server, the real ingest
(IngestService: fetch, parse, the real classifier, storage), the real Application and DeliveryLoop, and the
Bot API emulator, on SQLite and PostgreSQL.

Whatever order the feeds are polled in (all 24), every subscriber gets exactly one alert for the event, and
it is edited to name the other sources; an unrelated event with the same place (delimitation talks at the
same lake) gets an alert of its own. When two stories already alerted turn out to be one (a later report
links the Armenian and the Azerbaijani names of the same front), the newer alert becomes a pointer to the
older one and no third alert is sent.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.app import build_application
from bot.context import BotContext
from bot.deliver import DeliveryLoop
from feeds.gazetteer import load_gazetteer, load_yaml_gazetteer
from feeds.parse import ParserPool
from feeds.service import IngestService
from storage.alert_updates import updates_for_chat
from storage.chats import add_subscriptions
from storage.db import Database
from storage.feeds import add_feed
from storage.models import Item
from storage.settings import Settings, load_settings
from tests.botapi import BotApiEmulator
from tests.clock import Clock
from tests.feedserver import FeedServer, rss

START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
# an Azerbaijani Telegram channel (through an RSS bridge) writes without the letters: ə→e, ç→c, ş→s, ğ→g…
CHANNEL = "az-channel"
# a channel added from chat (/addfeed): its feed declares no language
UNDECLARED = "undeclared"
GROUP = -1001234567890  # a supergroup: its messages have t.me/c/… links
PERSON = 4242  # a private chat subscribed to everything
LANGUAGES = ("en", "ru", "hy", "az")
FEEDS = {
    "en": "Armenpress",
    "ru": "Interfax",
    "hy": "News.am",
    "az": "APA",
    CHANNEL: "Kanal 13",
    UNDECLARED: "Sherq Xeber",
}
EVENT = {
    "en": "Two soldiers wounded near Sev Lake after Azerbaijani shelling",
    "ru": "Двое военнослужащих ранены при обстреле у озера Сев",
    "hy": "Սև լճի մոտ հրետակոծության հետևանքով երկու զինծառայող է վիրավորվել",
    "az": "Qaragöl yaxınlığında Ermənistanla sərhəddə atəş: iki hərbçi yaralanıb",
}
# the same lake, another event: talks are not shelling
UNRELATED = "Border commissions of Armenia and Azerbaijan hold talks on the Sev Lake section"
# the Azerbaijani side names the front by the district (Kalbajar); a later report names both
OTHER_NAME = "Ermənistan ordusu Kəlbəcər istiqamətində mövqelərimizi atəşə tutub, iki hərbçi yaralanıb"
BOTH_NAMES = "У озера Сев, на границе с Кельбаджаром, ранены двое военнослужащих"
INGEST = Settings(
    allow_private_urls=True, fetch_timeout=5, connect_timeout=2, poll_interval=60, poll_max_interval=60
)
# every order of the four feeds; each runs three days after the previous one, so orders never meet
ORDERS = list(itertools.permutations(LANGUAGES))


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer(("127.0.0.1",)) as running:
        yield running


@pytest.fixture(scope="module")
def parser() -> Iterator[ParserPool]:
    pool = ParserPool(workers=1)
    yield pool
    pool.close()


@dataclass
class Feeds:
    """Four feeds on the loopback server, one per language; `publish` adds an item to one of them."""

    server: FeedServer
    prefix: str
    items: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)
    dates: dict[str, list[int]] = field(default_factory=dict)

    def url(self, language: str) -> str:
        return self.server.url(self.path(language))

    def path(self, language: str) -> str:
        return f"/{self.prefix}-{language}.xml"

    def publish(self, language: str, title: str, at: datetime) -> None:
        n = len(self.items.setdefault(language, []))
        # the description differs from one round to the next (a feed that repeats a text repeats an item)
        # by a lowercase code that is neither a figure nor a name
        code = "".join(chr(ord("a") + int(digit)) for digit in str(n))
        link = f"http://example.com/{language}/{n}"
        self.items[language].insert(0, (f"{language}-{n}", title, link, f"{title} (ref {code})"))
        self.dates.setdefault(language, []).insert(0, int(at.timestamp()))
        self.server.add(
            self.path(language),
            rss(
                FEEDS[language],
                self.items[language],
                language=None if language == UNDECLARED else language.split("-")[0],
                dates=self.dates[language],
            ),
        )


@dataclass
class Rig:
    db: Database
    telegram: BotApiEmulator
    clock: Clock
    ctx: BotContext
    app: Application[Any, Any, Any, Any, Any, Any]
    ingest: IngestService
    feeds: Feeds

    async def poll_and_deliver(self) -> None:
        self.clock.now += timedelta(minutes=5)
        report = await self.ingest.poll_due_once()
        assert all(result.outcome in ("ok", "not_modified") for result in report.results), report.results
        await DeliveryLoop(self.ctx, self.app.bot, clock=self.clock).run_until_idle()

    async def publish(self, language: str, title: str) -> None:
        """The feed of `language` publishes `title` a minute ago; poll every feed, deliver."""
        self.feeds.publish(language, title, self.clock.now - timedelta(minutes=1))
        await self.poll_and_deliver()


@pytest.fixture
async def rig(db: Database, server: FeedServer, parser: ParserPool) -> AsyncIterator[Rig]:
    async with BotApiEmulator() as telegram:
        telegram.add_chat(GROUP, "supergroup")
        telegram.add_chat(PERSON, "private")
        clock = Clock(START)
        settings = load_settings(
            telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=db.url
        )
        ctx = BotContext(db=db, settings=settings, clock=clock, gazetteer=await load_gazetteer(db, settings))
        app = build_application(ctx)
        await app.initialize()
        feeds = Feeds(server, f"langs-{id(db)}")
        for language in LANGUAGES:
            # what a feed had before the bot knew it: history, never alerted
            feeds.publish(language, f"{FEEDS[language]} weekly digest", START - timedelta(days=1))
            await add_feed(db, feeds.url(language), now=START)
        await add_subscriptions(db, GROUP, "supergroup", ["sev_lake", "kalbajar"])
        await add_subscriptions(db, PERSON, "private", ["*"])
        classifier = load_yaml_gazetteer(settings).classifier
        ingest = IngestService(
            db, INGEST, classifier.classify, clock=clock, rng=random.Random(0), parser=parser
        )
        async with ingest:
            rig = Rig(db, telegram, clock, ctx, app, ingest, feeds)
            await rig.poll_and_deliver()  # the first poll of each feed: history
            assert telegram.sent(GROUP) == [] and telegram.sent(PERSON) == []
            try:
                yield rig
            finally:
                await app.shutdown()


def _sources_named(text: str) -> str:
    (line,) = [line for line in text.splitlines() if line.startswith("also reported by: ")]
    return line


async def test_one_event_in_four_languages_polled_in_every_order_alerts_once(rig: Rig) -> None:
    for index, order in enumerate(ORDERS):
        rig.clock.now = START + timedelta(days=3 * index, hours=1)
        before = {chat: len(rig.telegram.sent(chat)) for chat in (GROUP, PERSON)}
        for language in order:
            await rig.publish(language, EVENT[language])
        for chat in (GROUP, PERSON):
            alerts = rig.telegram.sent(chat)[before[chat] :]
            assert len(alerts) == 1, (order, chat, [a.text for a in alerts])
            (alert,) = alerts
            first = FEEDS[order[0]]
            assert alert.text.splitlines()[0].endswith(EVENT[order[0]]), order
            # edited once per later source; the last edit names two of them and counts the third
            assert alert.edits == 3, (order, chat)
            others = [FEEDS[language] for language in order[1:]]
            assert _sources_named(alert.text) == f"also reported by: {others[0]}, {others[1]} (+1)", order
            assert first in alert.text
    # no reply, pointer or second alert anywhere: only edits
    assert {kind for kind, _, _ in await updates_for_chat(rig.db, GROUP)} == {"edit"}


async def test_an_unrelated_event_at_the_same_place_gets_its_own_alert(rig: Rig) -> None:
    await rig.publish("en", EVENT["en"])
    await rig.publish("ru", EVENT["ru"])
    await rig.publish("en", UNRELATED)
    await rig.publish("hy", EVENT["hy"])
    await rig.publish("az", EVENT["az"])
    for chat in (GROUP, PERSON):
        event, talks = rig.telegram.sent(chat)
        assert event.text.splitlines()[0].endswith(EVENT["en"])
        assert talks.text.splitlines()[0].endswith(UNRELATED)
        assert _sources_named(event.text) == "also reported by: Interfax, News.am (+1)"
        assert talks.edits == 0


async def test_two_alerted_stories_shown_to_be_one_leave_one_alert_and_a_pointer(rig: Rig) -> None:
    await rig.publish("en", EVENT["en"])  # Sev Lake
    await rig.publish("az", OTHER_NAME)  # the Kalbajar direction: not (yet) known to be the same
    for chat in (GROUP, PERSON):
        assert len(rig.telegram.sent(chat)) == 2
    await rig.publish("ru", BOTH_NAMES)  # both names: one story
    await rig.publish("hy", EVENT["hy"])
    for chat in (GROUP, PERSON):
        kept, pointer = rig.telegram.sent(chat)
        assert len(rig.telegram.sent(chat)) == 2  # never a third alert
        assert kept.text.splitlines()[0].endswith(EVENT["en"])
        assert _sources_named(kept.text) == "also reported by: APA, Interfax (+1)"
        assert pointer.text.startswith("↪ Same story as an earlier alert: " + EVENT["en"])
        assert "APA · " in pointer.text and OTHER_NAME in pointer.text
    # in a supergroup the pointer links to the kept message; a private chat has no message links
    (group_pointer,) = [m for m in rig.telegram.sent(GROUP) if m.text.startswith("↪")]
    assert f"https://t.me/c/1234567890/{rig.telegram.sent(GROUP)[0].message_id}" in (group_pointer.html or "")
    (person_pointer,) = [m for m in rig.telegram.sent(PERSON) if m.text.startswith("↪")]
    assert "href" not in (person_pointer.html or "")
    kinds = [(kind, status) for kind, status, _ in await updates_for_chat(rig.db, GROUP)]
    assert ("pointer", "sent") in kinds and all(status == "sent" for _, status in kinds)


# one announcement of border talks, by an agency with the Azerbaijani letters and by a channel without them
TALKS = "Kəlbəcər istiqamətində sərhəd komissiyalarının görüşü keçiriləcək"
TALKS_LETTER_FREE = "Kelbecer istiqametinde serhed komissiyalarinin gorusu kecirilecek"
# two stories written without the letters: the shelling and a third country's condemnation of it
SHELLING_LETTER_FREE = "Ermenistan silahli quvveleri Kelbecer istiqametinde movqelerimizi atese tutub"
REACTION_LETTER_FREE = "Turkiye Ermenistanin Kelbecer istiqametinde movqelerimizi atese tutmasini pisleyib"


async def _add_channel(rig: Rig, channel: str = CHANNEL) -> None:
    rig.feeds.publish(channel, f"{FEEDS[channel]} weekly digest", START - timedelta(days=1))
    await add_feed(rig.db, rig.feeds.url(channel), now=rig.clock.now)
    await rig.poll_and_deliver()  # its history: never alerted


async def test_one_story_with_and_without_the_azerbaijani_letters_alerts_once(rig: Rig) -> None:
    await _add_channel(rig)
    await rig.publish("az", TALKS)
    await rig.publish(CHANNEL, TALKS_LETTER_FREE)
    for chat in (GROUP, PERSON):
        (alert,) = rig.telegram.sent(chat)
        assert alert.text.splitlines()[0].endswith(TALKS)
        assert FEEDS[CHANNEL] in _sources_named(alert.text)


async def test_two_stories_written_without_the_letters_alert_apart(rig: Rig) -> None:
    await _add_channel(rig)
    await rig.publish("az", SHELLING_LETTER_FREE)
    await rig.publish(CHANNEL, REACTION_LETTER_FREE)
    for chat in (GROUP, PERSON):
        shelling, reaction = rig.telegram.sent(chat)
        assert shelling.text.splitlines()[0].endswith(SHELLING_LETTER_FREE)
        assert reaction.text.splitlines()[0].endswith(REACTION_LETTER_FREE)
        assert shelling.edits == 0


async def test_a_feed_declaring_no_language_is_read_in_the_language_it_is_written_in(rig: Rig) -> None:
    await _add_channel(rig, UNDECLARED)
    await rig.publish("az", TALKS)
    await rig.publish(UNDECLARED, TALKS_LETTER_FREE)
    for chat in (GROUP, PERSON):
        (alert,) = rig.telegram.sent(chat)
        assert alert.text.splitlines()[0].endswith(TALKS)
        assert FEEDS[UNDECLARED] in _sources_named(alert.text)
    async with rig.db.transaction() as session:
        rows = (
            await session.execute(
                select(Item.title, Item.language, Item.story_id).where(
                    Item.title.in_((TALKS, TALKS_LETTER_FREE))
                )
            )
        ).all()
    languages = {title: language for title, language, _ in rows}
    assert languages == {TALKS: "az", TALKS_LETTER_FREE: "az"}
    assert len({story for _, _, story in rows}) == 1


# one event as two channels post it: emoji, a hashtag and a link to the post each, the figure in digits or
# in words; the digits of a link are no figure, and two posts link to different places
POSTED = {
    "ru": "❗️Двое военнослужащих ранены при обстреле у озера Сев #Армения https://t.me/interfax_news/77451",
    "en": "⚡️ 2 soldiers wounded near Sev Lake after Azerbaijani shelling https://armenpress.am/eng/news/1102233",
}


async def test_one_event_posted_with_emoji_hashtags_and_links_alerts_once(rig: Rig) -> None:
    await rig.publish("ru", POSTED["ru"])
    await rig.publish("en", POSTED["en"])
    for chat in (GROUP, PERSON):
        (alert,) = rig.telegram.sent(chat)
        assert alert.text.splitlines()[0].endswith(POSTED["ru"])
        assert _sources_named(alert.text) == f"also reported by: {FEEDS['en']}"
