"""The public outputs as a feed reader and an API client see them, over real HTTP on loopback: valid Atom with
one entry per story that alerted, conditional GET, and the JSON API's pages."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from sqlalchemy import func, select, text, update

from bot.runtime import run
from bot.web import WebServer, start_public_outputs
from bot.web import outputs as outputs_module
from bot.web.outputs import PUBLIC_AT_ONCE, PUBLIC_WAITING, cursor_text, parse_cursor
from feeds.gazetteer import Gazetteer, load_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.store import FeedItems, StoredItem, store_new_items_of_feeds
from storage.db import Database
from storage.models import Feed
from storage.public_stories import PublicStory
from storage.settings import Settings, load_settings
from tests.atom_rules import atom_problems
from tests.botapi import BotApiEmulator
from tests.conftest import add_named_feeds
from tests.feedserver import running
from tests.harness import statements_sent
from tests.test_command_timeout import SLOW

NOW = datetime(2025, 8, 8, 12, 0, tzinfo=UTC)
ATOM_NS = "http://www.w3.org/2005/Atom"

LAKE_SHELLING = "Azerbaijani troops shell Armenian positions near Sev Lake, two soldiers wounded"
CSTO_MEETING = "CSTO secretary general visits Yerevan for talks on the Armenian border"
# each a different event at Sev Lake, days apart, so no two merge
LAKE_EVENTS = (
    "Drone strike reported near Sev Lake overnight",
    "Ceasefire violation at Sev Lake, Armenian defence ministry says",
    "EU monitors patrol the Sev Lake section of the border",
    "New trenches dug above Sev Lake, satellite images show",
    "Shepherd detained near Sev Lake released after talks",
    "Border commission surveys the Sev Lake shoreline",
    "Armenian and Azerbaijani officers meet at Sev Lake",
)


@dataclass
class Newsroom:
    """Feeds storing items through the real storage path, classified by the real gazetteer."""

    db: Database
    gazetteer: Gazetteer
    feeds: dict[str, int]

    async def publish(
        self, source: str, title: str, at: datetime, *, alert: bool = True, link: str | None = "default"
    ) -> StoredItem:
        key = hashlib.sha256(f"{source}|{title}".encode()).hexdigest()
        url = f"https://{source.lower().replace(' ', '')}.example/{key[:8]}" if link == "default" else link
        item = NewItem(
            entry=FeedEntry(guid=key, link=url, title=title, summary="", language="en", published=at),
            identity_key=key,
            content_hash=hashlib.sha256(title.encode()).hexdigest(),
            published=at,
            classification=self.gazetteer.classifier.classify(title, "", "en"),
        )
        ((stored,),) = await store_new_items_of_feeds(
            self.db, [FeedItems(self.feeds[source], [item], alert, at + timedelta(minutes=1))]
        )
        return stored


@pytest.fixture
async def newsroom(db: Database) -> Newsroom:
    gazetteer = await load_gazetteer(db, Settings(database_url=db.url))
    return Newsroom(db, gazetteer, await add_named_feeds(db, ["Armenpress", "News.am", "JAMnews"]))


@pytest.fixture
async def outputs(db: Database) -> AsyncIterator[WebServer]:
    server = await start_public_outputs(db, Settings(database_url=db.url), port=0, host="127.0.0.1")
    yield server
    await server.close()


@pytest.fixture
async def http(outputs: WebServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{outputs.port}", timeout=10) as client:
        yield client


def _entries(document: bytes) -> list[Any]:
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert atom_problems(document) == []
    return list(parsed.entries)


async def test_the_entity_feed_is_valid_atom_with_one_entry_per_alerted_story_listing_every_source(
    newsroom: Newsroom, http: httpx.AsyncClient
) -> None:
    await newsroom.publish("Armenpress", "Sev Lake: border history before we started", NOW, alert=False)
    first = await newsroom.publish("Armenpress", LAKE_SHELLING, NOW)
    second = await newsroom.publish("News.am", LAKE_SHELLING, NOW + timedelta(minutes=10))
    assert second.story_id == first.story_id  # the same news from two sources is one story
    await newsroom.publish("JAMnews", CSTO_MEETING, NOW + timedelta(minutes=20))

    response = await http.get("/atom/sev_lake")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    (entry,) = _entries(response.content)
    assert entry.title == LAKE_SHELLING
    assert [author["name"] for author in entry.authors] == ["Armenpress", "News.am"]
    assert entry.link == f"https://armenpress.example/{_key('Armenpress', LAKE_SHELLING)[:8]}"
    assert {link.href for link in entry.links if link.rel == "related"} == {
        f"https://news.am.example/{_key('News.am', LAKE_SHELLING)[:8]}"
    }
    terms = {tag.term for tag in entry.tags}
    assert {"sev_lake", "armaz_border"} <= terms
    assert first.severity in terms  # the severity is a category too
    assert entry.updated_parsed[:5] == (NOW + timedelta(minutes=11)).timetuple()[:5]
    assert "News.am" in entry.content[0].value and "Armenpress" in entry.content[0].value

    everything = _entries((await http.get("/atom")).content)
    assert [e.title for e in everything] == [CSTO_MEETING, LAKE_SHELLING]  # last changed first
    feed = feedparser.parse((await http.get("/atom")).content).feed
    assert feed.title == "borderwatch: all stories"


async def test_text_from_feeds_stays_text_and_the_document_stays_valid(
    newsroom: Newsroom, http: httpx.AsyncClient
) -> None:
    hostile = 'Sev Lake: "shots" <b>fired</b> & a\x0b bell\x07 — Սև լիճ]]>'
    await newsroom.publish("Armenpress", hostile, NOW, link="javascript:alert(1)")
    (entry,) = _entries((await http.get("/atom/sev_lake")).content)
    assert entry.title == 'Sev Lake: "shots" <b>fired</b> & a bell — Սև լիճ]]>'
    assert "javascript" not in " ".join(link.href for link in entry.get("links", []))


async def test_a_conditional_get_is_answered_304_until_a_source_joins(
    newsroom: Newsroom, http: httpx.AsyncClient
) -> None:
    await newsroom.publish("Armenpress", LAKE_SHELLING, NOW)
    first = await http.get("/atom/sev_lake")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert parsedate_to_datetime(modified) == NOW + timedelta(minutes=1)

    same = await http.get("/atom/sev_lake", headers={"If-None-Match": etag})
    assert (same.status_code, same.content) == (304, b"")
    assert same.headers["etag"] == etag
    unchanged = await http.get("/atom/sev_lake", headers={"If-Modified-Since": modified})
    assert unchanged.status_code == 304
    earlier = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    assert (await http.get("/atom/sev_lake", headers={"If-Modified-Since": earlier})).status_code == 200

    await newsroom.publish("News.am", LAKE_SHELLING, NOW + timedelta(minutes=30))
    changed = await http.get("/atom/sev_lake", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    (entry,) = _entries(changed.content)
    assert [author["name"] for author in entry.authors] == ["Armenpress", "News.am"]


async def test_a_matching_conditional_get_reads_which_stories_are_shown_and_nothing_more(
    newsroom: Newsroom, http: httpx.AsyncClient, db: Database
) -> None:
    """A feed reader polling with its ETag is answered 304 after one small query (which stories, changed
    when), never the reports and tags of every story shown; a story that changes still gets it a 200."""
    await newsroom.publish("Armenpress", LAKE_SHELLING, NOW)
    await newsroom.publish("JAMnews", CSTO_MEETING, NOW + timedelta(minutes=20))
    paths = ("/atom/sev_lake", "/atom", "/api/stories?entity=sev_lake", "/api/stories?limit=1")
    etags = {}
    for path in paths:
        first = await http.get(path)
        assert first.status_code == 200, path
        etags[path] = first.headers["etag"]
        with statements_sent(db, "stories") as sent, statements_sent(db, "JOIN feeds") as reports:
            same = await http.get(path, headers={"If-None-Match": etags[path]})
        assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", etags[path]), path
        assert (len(sent), reports) == (1, []), (path, sent)
    assert len(set(etags.values())) == len(paths)

    await newsroom.publish("News.am", LAKE_SHELLING, NOW + timedelta(minutes=30))
    for path in ("/atom/sev_lake", "/atom", "/api/stories?entity=sev_lake"):
        changed = await http.get(path, headers={"If-None-Match": etags[path]})
        assert changed.status_code == 200 and changed.headers["etag"] != etags[path], path
        assert "News.am" in changed.text, path


async def test_the_api_pages_through_every_story_once_in_the_order_they_changed(
    newsroom: Newsroom, http: httpx.AsyncClient
) -> None:
    def day(n: int) -> datetime:
        return NOW + timedelta(days=n)

    stored = [
        await newsroom.publish("Armenpress", title, day(3 * n)) for n, title in enumerate(LAKE_EVENTS[:3])
    ]
    await newsroom.publish("JAMnews", CSTO_MEETING, day(1))
    first = (await http.get("/api/stories", params={"entity": "sev_lake", "limit": "3"})).json()
    assert [story["title"] for story in first["stories"]] == list(LAKE_EVENTS[:3])

    # a story on the page already read changes (another source joins), then more news comes
    joined = await newsroom.publish("News.am", LAKE_EVENTS[2], day(7))
    assert joined.story_id == stored[2].story_id
    for n, title in enumerate(LAKE_EVENTS[3:], start=3):
        await newsroom.publish("Armenpress", title, day(3 * n))

    pages = [first]
    async with httpx.AsyncClient(timeout=10) as client:
        while pages[-1]["next"]:
            pages.append((await client.get(pages[-1]["next"])).json())
    titles = [story["title"] for page in pages for story in page["stories"]]
    assert titles == [*LAKE_EVENTS[:3], LAKE_EVENTS[2], *LAKE_EVENTS[3:]]  # the changed story comes again
    assert [len(page["stories"]) for page in pages] == [3, 3, 2]
    again = pages[1]["stories"][0]
    assert again["sources"] == ["Armenpress", "News.am"]
    assert {"id": "sev_lake", "name": "Sev Lake"} in again["entities"]
    assert again["updated"] == "2025-08-15T12:01:00Z"

    # resuming later from the cursor gives only what changed since
    cursor = pages[-1]["cursor"]
    resumed = (await http.get("/api/stories", params={"entity": "sev_lake", "after": cursor})).json()
    assert resumed == {"stories": [], "cursor": cursor, "next": None}

    since = day(15).isoformat()
    recent = (await http.get("/api/stories", params={"entity": "sev_lake", "since": since})).json()
    assert [story["title"] for story in recent["stories"]] == list(LAKE_EVENTS[5:])
    everything = (await http.get("/api/stories")).json()
    assert CSTO_MEETING in [story["title"] for story in everything["stories"]]


async def test_an_entry_and_its_api_story_carry_the_same_fields(
    newsroom: Newsroom, http: httpx.AsyncClient
) -> None:
    await newsroom.publish("Armenpress", LAKE_SHELLING, NOW)
    await newsroom.publish("News.am", LAKE_SHELLING, NOW + timedelta(minutes=5))
    (entry,) = _entries((await http.get("/atom/sev_lake")).content)
    (story,) = (await http.get("/api/stories?entity=sev_lake")).json()["stories"]
    assert story["atom_id"] == entry.id
    assert story["title"] == entry.title
    assert story["link"] == entry.link
    assert story["sources"] == [author["name"] for author in entry.authors]
    assert {e["id"] for e in story["entities"]} | {story["severity"]} == {tag.term for tag in entry.tags}
    assert [report["source"] for report in story["reports"]] == ["Armenpress", "News.am"]


async def test_an_unknown_entity_is_404_and_a_bad_parameter_is_400_saying_which(
    newsroom: Newsroom, http: httpx.AsyncClient
) -> None:
    for path in ("/atom/no_such_place", "/api/stories?entity=no_such_place"):
        response = await http.get(path)
        assert response.status_code == 404 and response.text == "unknown entity: no_such_place\n"
    bad = {
        "limit=0": "limit",
        "limit=201": "limit",
        "limit=ten": "limit",
        "since=yesterday": "since",
        "after=zz": "after",
        "after=5-99999999999999999999999": "after",
        "entity=sev_lake&entity=syunik": "entity",
        "colour=blue": "colour",
    }
    for query, named in bad.items():
        response = await http.get(f"/api/stories?{query}")
        assert response.status_code == 400, query
        assert response.headers["content-type"].startswith("text/plain")
        assert named in response.text and response.text.count("\n") == 1, response.text
    assert (await http.get("/nowhere")).status_code == 404
    assert (await http.post("/atom", content=b"")).status_code == 405


async def test_an_empty_feed_is_valid_and_says_so(http: httpx.AsyncClient, newsroom: Newsroom) -> None:
    response = await http.get("/atom/sev_lake")
    assert response.status_code == 200 and "last-modified" not in response.headers
    assert _entries(response.content) == []
    assert feedparser.parse(response.content).feed.title == "borderwatch: Sev Lake"


def test_a_cursor_reads_back_as_the_story_it_was_made_from() -> None:
    story = PublicStory(7, "t", None, None, (), (), NOW, NOW + timedelta(microseconds=123457))
    cursor = parse_cursor(cursor_text(story))
    assert (cursor.id, cursor.updated) == (7, story.updated)


def _key(source: str, title: str) -> str:
    return hashlib.sha256(f"{source}|{title}".encode()).hexdigest()


def _titles(entries: Sequence[Any]) -> list[str]:
    return [entry.title for entry in entries]


# ------------------------------------------------------------------------------ the whole product


def _rss(channel: str, *titles: str) -> str:
    items = "".join(
        f"<item><guid>{_key(channel, t)[:12]}</guid><title>{t}</title>"
        f"<link>https://{channel.lower().replace(' ', '')}.example/{_key(channel, t)[:8]}</link></item>"
        for t in titles
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{channel}</title>'
        f"<link>https://news.example/</link><description>test</description>{items}</channel></rss>"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_a_reader_of_the_entity_feed_sees_the_stories_a_subscribed_chat_received_once_each(
    tmp_path: Path, database_url: str
) -> None:
    old_news = "Border commission meets on the Sev Lake section"
    lake_events = (LAKE_SHELLING, LAKE_EVENTS[2])
    with running() as feeds:
        wire = feeds.add("/wire.xml", _rss("Border Wire", old_news))
        watch = feeds.add("/watch.xml", _rss("Lake Watch"))
        opml = tmp_path / "feeds.opml"
        opml.write_text(
            '<?xml version="1.0"?><opml version="2.0"><head><title>e2e</title></head><body>'
            f'<outline type="rss" text="Border Wire" xmlUrl="{wire}"/>'
            f'<outline type="rss" text="Lake Watch" xmlUrl="{watch}"/></body></opml>'
        )
        port = _free_port()
        db = Database(database_url)
        async with BotApiEmulator() as telegram:
            settings = load_settings(
                telegram_token=telegram.token,
                telegram_api_url=telegram.base_url,
                database_url=database_url,
                feeds=opml,
                allow_private_urls=True,
                poll_interval=10,
                web_port=port,
                web_host="127.0.0.1",
                public_url=f"http://127.0.0.1:{port}",
            )
            chat = 601
            async with _running(settings):
                telegram.inject_command(chat, chat, "/subscribe Sev Lake")
                await telegram.wait_for_messages(chat, 1, within=30)
                await _wait_for_history(db, feeds=2)

                # news arrives: two Sev Lake stories and one elsewhere; then a second source joins one
                feeds.add("/wire.xml", _rss("Border Wire", *lake_events, CSTO_MEETING, old_news))
                await _poll_now(db)
                await telegram.wait_for_messages(chat, 3, within=30)
                feeds.add("/watch.xml", _rss("Lake Watch", LAKE_SHELLING))
                await _poll_now(db)
                await telegram.wait_until(lambda: any(m.edits for m in telegram.sent(chat)), within=30)

                # /status links the entity's feed and API ("as a feed: …"), and the links work
                telegram.inject_command(chat, chat, "/status Sev Lake")
                status = (await telegram.wait_for_messages(chat, 4, within=30))[-1]
                atom_link, api_link = status.links[:2]
                assert atom_link == f"http://127.0.0.1:{port}/atom/sev_lake"
                assert api_link == f"http://127.0.0.1:{port}/api/stories?entity=sev_lake"
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.get(atom_link)
                    api = (await client.get(api_link)).json()
        await db.dispose()

    alerts = telegram.sent(chat)[1:-1]  # between the /subscribe reply and the /status reply
    entries = _entries(response.content)
    assert len(entries) == len(alerts) == len(lake_events)
    for alert in alerts:
        (entry,) = [e for e in entries if set(alert.links) & {link.href for link in e.get("links", [])}]
        assert entry.title in alert.text
    assert sorted(_titles(entries)) == sorted(lake_events)
    assert sorted(story["title"] for story in api["stories"]) == sorted(lake_events)
    shelling = next(e for e in entries if e.title == LAKE_SHELLING)
    assert [author["name"] for author in shelling.authors] == ["Border Wire", "Lake Watch"]


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, "all", stop=stop))
    try:
        yield
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 30) == 0


async def _wait_for_history(db: Database, feeds: int) -> None:
    for _ in range(300):
        async with db.transaction() as session:
            loaded = await session.scalar(select(func.count()).where(Feed.history_loaded.is_(True)))
        if loaded == feeds:
            return
        await asyncio.sleep(0.1)
    pytest.fail("the first poll of the feeds never completed")


async def _poll_now(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(update(Feed).values(next_poll_at=datetime.now(UTC)))


async def test_a_flood_of_readers_is_served_a_few_at_a_time_and_the_excess_told_to_retry(
    newsroom: Newsroom, outputs: WebServer, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await newsroom.publish("Armenpress", LAKE_SHELLING, NOW)
    readers = 60
    turned_away = readers - PUBLIC_AT_ONCE - PUBLIC_WAITING
    reading = 0
    peak = 0
    release = asyncio.Event()
    settled = asyncio.Event()  # too many readers got in, or the ones beyond the queue were answered
    requests: list[asyncio.Task[httpx.Response]] = []

    def check(*_finished: object) -> None:
        if peak > PUBLIC_AT_ONCE or sum(task.done() for task in requests) >= turned_away:
            settled.set()

    real_query = outputs_module.latest_public_story_ids

    async def held_query(*args: Any, **kwargs: Any) -> Sequence[tuple[int, datetime]]:
        nonlocal reading, peak
        reading += 1
        peak = max(peak, reading)
        check()
        try:
            await release.wait()  # the database is slow: every reader admitted waits here
            return await real_query(*args, **kwargs)
        finally:
            reading -= 1

    monkeypatch.setattr(outputs_module, "latest_public_story_ids", held_query)
    requests.extend(asyncio.create_task(http.get("/atom")) for _ in range(readers))
    for task in requests:
        task.add_done_callback(check)
    await settled.wait()
    assert peak == PUBLIC_AT_ONCE
    busy = [task.result() for task in requests if task.done()]
    assert [r.status_code for r in busy] == [503] * turned_away
    assert all(r.headers["retry-after"] == "5" for r in busy)
    assert busy[0].text.startswith("busy")

    release.set()
    answered = await asyncio.gather(*requests)
    assert sorted(r.status_code for r in answered) == [200] * (readers - turned_away) + [503] * turned_away
    assert peak == PUBLIC_AT_ONCE
    assert (await http.get("/atom")).status_code == 200


async def test_a_read_past_the_time_limit_is_stopped_and_answered_busy(
    newsroom: Newsroom, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that would run for minutes is stopped at BORDERWATCH_COMMAND_TIMEOUT, its slot freed."""
    await newsroom.publish("Armenpress", LAKE_SHELLING, NOW)
    real_query = outputs_module.latest_public_story_ids

    async def slow_query(*args: Any, **kwargs: Any) -> Sequence[tuple[int, datetime]]:
        async with db.transaction() as session:
            await session.execute(text(SLOW[db.dialect]))
        return await real_query(*args, **kwargs)

    settings = Settings(database_url=db.url, command_timeout=0.5)
    server = await start_public_outputs(db, settings, port=0, host="127.0.0.1")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as client:
            monkeypatch.setattr(outputs_module, "latest_public_story_ids", slow_query)
            started = time.monotonic()
            response = await client.get("/atom/sev_lake")
            assert time.monotonic() - started < 10
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert response.text == "busy: reading the stories took too long, try again in a few seconds\n"

            monkeypatch.setattr(outputs_module, "latest_public_story_ids", real_query)
            (entry,) = _entries((await client.get("/atom/sev_lake")).content)
            assert entry.title == LAKE_SHELLING
    finally:
        await server.close()
