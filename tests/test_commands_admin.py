"""Admin commands end to end: a user types in Telegram (the Bot API emulator), the real Application answers.

Each test runs on a fresh database (SQLite file and PostgreSQL), with a controllable clock, and checks what
the admin (or the refused non-admin) sees and what was stored.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.app
import bot.commands.admin
import feeds.gazetteer
from bot.feed_alerts import send_feed_notices
from bot.runtime import refresh_gazetteer
from feeds.fetch import Fetcher
from feeds.gazetteer import Gazetteer, load_gazetteer, load_yaml_gazetteer
from feeds.guard import AddressPolicy
from feeds.ingest import FeedPoller
from feeds.opml import read_opml
from feeds.parse import ParserPool
from storage.admins import add_admin, is_admin, list_admins
from storage.audit import count_audit, latest_audit
from storage.db import Database
from storage.deliveries import delivery_paused
from storage.feeds import FetchRecord, add_feed, list_feeds, record_fetch
from storage.gazetteer import changing_gazetteer, gazetteer_rows
from storage.migrate import upgrade
from storage.settings import load_settings
from tests.botapi.emulator import BotApiEmulator
from tests.botapi.telegram_html import utf16_length
from tests.feedserver import FeedServer, rss, running
from tests.harness import ADMIN, START, STRANGER, Chat, running_bot
from tests.telegram_preview import Post, preview_page

OTHER_ADMIN = 3003


pytestmark = pytest.mark.usefixtures("fast_private_chats")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(enforce_limits=False) as emulator:
        emulator.add_user(ADMIN, "Ada", username="ada")
        emulator.add_user(STRANGER, "Stan")
        emulator.add_user(OTHER_ADMIN, "Olga")
        yield emulator


@pytest.fixture
async def chat(db: Database, telegram: BotApiEmulator) -> AsyncIterator[Chat]:
    async with running_bot(db, telegram) as running_chat:
        yield running_chat


def _feed_xml(title: str, count: int) -> str:
    return rss(title, [(f"g{n}", f"Item {n}", f"https://example.com/{n}", "text") for n in range(count)])


async def _feed_urls(db: Database) -> list[str]:
    return [feed.url for feed in await list_feeds(db)]


# ------------------------------------------------------------------------------------ authorisation

EVERY_ADMIN_COMMAND = [
    "/addfeed https://example.org/rss.xml",
    "/rmfeed 1",
    "/feeds",
    "/track sev_lake Sev Lake",
    "/alias sev_lake Black Lake",
    "/untrack sev_lake",
    "/admins",
    f"/addadmin {STRANGER}",
    f"/rmadmin {ADMIN}",
    "/pause",
    "/resume",
    "/export",
    "/import",
    "/audit",
]


async def test_a_non_admin_is_refused_every_admin_command_audited_and_nothing_changes(chat: Chat) -> None:
    db = chat.ctx.db
    for command in EVERY_ADMIN_COMMAND:
        name = command.split()[0][1:]
        assert await chat.say(STRANGER, command) == [f"Sorry, /{name} is only for bot admins."]
    feed_xml = (
        "feeds.opml",
        b'<opml version="2.0"><body><outline xmlUrl="https://a.example/r"/></body></opml>',
    )
    [refusal] = await chat.send(STRANGER, "/import", document=feed_xml)
    assert refusal.text == "Sorry, /import is only for bot admins."

    # the /feeds page buttons are admin-only too
    chat.telegram.inject_callback_query(STRANGER, STRANGER, "feeds:1")
    await chat.telegram.wait_until(lambda: len(chat.telegram.callback_answers) == 1)
    assert chat.telegram.callback_answers[0]["text"] == "Sorry, /feeds is only for bot admins."

    await chat.audit(len(EVERY_ADMIN_COMMAND) + 2)
    assert await count_audit(db) == len(EVERY_ADMIN_COMMAND) + 2
    # the second /import and /feeds (the button) within a minute count on the first one's entry
    entries = await latest_audit(db, 50)
    assert len(entries) == len(EVERY_ADMIN_COMMAND)
    assert {(e.user_id, e.chat_id, e.outcome) for e in entries} == {(STRANGER, STRANGER, "refused")}
    assert {e.command: e.repeats for e in entries if e.repeats > 1} == {"feeds": 2, "import": 2}
    assert entries[0].command == "audit"
    assert entries[-1].command == "addfeed" and entries[-1].arguments == "https://example.org/rss.xml"
    assert await _feed_urls(db) == []
    assert [a.user_id for a in await list_admins(db, chat.ctx.settings.admin_ids)] == [ADMIN]
    assert not await delivery_paused(db)


async def test_a_group_admin_is_not_a_bot_admin(chat: Chat) -> None:
    group = -100500
    chat.telegram.add_chat(group, "supergroup", title="Border news")
    chat.telegram.set_chat_admins(group, [STRANGER])
    assert await chat.say(STRANGER, "/pause", chat_id=group) == ["Sorry, /pause is only for bot admins."]
    assert not await delivery_paused(chat.ctx.db)
    # while the bot admin is obeyed in the same group
    assert await chat.say(ADMIN, "/pause", chat_id=group) == ["Delivery paused. Pending alerts are kept."]
    [entry, refused] = await chat.audit(2)
    assert (entry.user_id, entry.chat_id, entry.outcome) == (ADMIN, group, "allowed")
    assert (refused.user_id, refused.chat_id, refused.outcome) == (STRANGER, group, "refused")


# ------------------------------------------------------------------------------- /addfeed, /rmfeed, /feeds


async def test_addfeed_fetches_once_and_answers_title_and_item_count(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    url = feed_server.add("/news.xml", _feed_xml("Border &lt;News&gt; &amp; Co", 3))
    async with running_bot(db, telegram, allow_private_urls=True) as chat:
        [answer] = await chat.say(ADMIN, f"/addfeed {url}")
        assert answer.startswith("Added feed #1: Border <News> & Co — 3 items.")
        assert len(feed_server.requests("/news.xml")) == 1
        assert await _feed_urls(db) == [url]

        [again] = await chat.say(ADMIN, f"/addfeed {url} Another title")
        assert again == f"Feed #1 (Border <News> & Co) is already there: “{url}”."
        assert await _feed_urls(db) == [url]

        second = feed_server.add("/other.xml", _feed_xml("Other", 1))
        [titled] = await chat.say(ADMIN, f"/addfeed {second} My <b>own</b> title")
        assert titled.startswith("Added feed #2: My <b>own</b> title — 1 item.")
    stored = {feed.url: feed.name for feed in await list_feeds(db)}
    assert stored[second] == "My <b>own</b> title"


async def test_addfeed_reports_the_exact_error_and_stores_nothing(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    html = feed_server.add("/page", fault="html")
    missing = feed_server.url("/missing.xml")
    async with running_bot(db, telegram, allow_private_urls=True) as chat:
        [usage] = await chat.say(ADMIN, "/addfeed")
        assert usage.startswith(
            "Usage: /addfeed <url> [title] — e.g. /addfeed https://example.org/rss.xml Example News."
        )
        assert "https://t.me/<channel>" in usage and "--html item=<css>" in usage
        [not_feed] = await chat.say(ADMIN, f"/addfeed {html}")
        assert not_feed.startswith(f"Not added: {html}") and "HTML" in not_feed
        [gone] = await chat.say(ADMIN, f"/addfeed {missing}")
        assert gone.startswith(f"Not added: {missing}") and "404" in gone
        [too_long] = await chat.say(ADMIN, "/addfeed https://example.org/" + "a" * 2100)
        assert too_long == "The URL is too long (2120 characters, at most 2048)."
        assert await _feed_urls(db) == []
        [entry, *_] = await chat.audit(4)
    assert entry.outcome == "error" and entry.detail is not None and "too long" in entry.detail


async def test_addfeed_takes_a_telegram_channel_in_every_form_and_an_html_page_with_selectors(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    feed_server.add(
        "/s/lake_watch",
        preview_page("lake_watch", "Lake <Watch>", [Post.text(n, f"Post {n}", START) for n in (4, 5, 6)]),
        content_type="text/html; charset=utf-8",
    )
    page = feed_server.add(
        "/statements",
        "<html><head><title>MoD statements</title></head><body><ul class=list>"
        '<li><a href="/s/1">Statement one</a> <span class=d>30.04.2026</span></li>'
        '<li><a href="/s/2">Statement two</a> <span class=d>29.04.2026</span></li></ul></body></html>',
        content_type="text/html; charset=utf-8",
    )
    web = feed_server.url("")
    async with running_bot(
        db, telegram, allow_private_urls=True, telegram_web_url=web, telegram_request_gap=0
    ) as chat:
        [added] = await chat.say(ADMIN, "/addfeed tg:Lake_Watch")
        assert added.startswith("Added Telegram channel #1: Lake <Watch> — 3 items.")
        for form in ("@lake_watch", "https://t.me/lake_watch", "t.me/s/lake_watch/5"):
            assert await chat.say(ADMIN, f"/addfeed {form}") == [
                "Feed #1 (Lake <Watch>) is already there: “https://t.me/s/lake_watch”."
            ]
        [invite] = await chat.say(ADMIN, "/addfeed https://t.me/+AbCdEf")
        assert invite.startswith("Not added: https://t.me/+AbCdEf: not a public channel")

        [statement] = await chat.say(
            ADMIN, f"/addfeed {page} Defence ministry --html item=ul.list li date=.d"
        )
        assert statement.startswith("Added HTML page #2: Defence ministry — 2 items.")
        copy = feed_server.add("/copy", feed_server.resources["/statements"].body, content_type="text/html")
        [broken] = await chat.say(ADMIN, f"/addfeed {copy} --html item=article")
        assert broken == f"Not added: {copy}: selector item matched nothing (article)"
        [bad] = await chat.say(ADMIN, f"/addfeed {page} --html item=li[[")
        assert bad == "Not added: the item selector 'li[[' is not a CSS selector"

        [listing] = await chat.say(ADMIN, "/feeds")
        assert "#1 Lake <Watch> — ok\n    Telegram channel · last new item" in listing
        assert "#2 Defence ministry — ok\n    HTML page · last new item" in listing
        [removed] = await chat.say(ADMIN, "/rmfeed @lake_watch")
        assert removed.startswith("Removed feed #1 (Lake <Watch>)")
    stored = {feed.id: feed for feed in await list_feeds(db)}
    assert (stored[1].url, stored[1].kind, stored[1].enabled) == (
        "https://t.me/s/lake_watch",
        "telegram",
        False,
    )
    assert (stored[2].kind, stored[2].selectors) == ("html", {"item": "ul.list li", "date": ".d"})


async def test_addfeed_stops_a_page_that_parses_past_the_deadline(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    """/addfeed parses what it fetched in parser processes with the feeds' deadline: a hostile page (items
    nested each in the one before: seconds of work) is refused, not read on a thread for as long as it
    takes."""
    depth = 8000
    page = feed_server.add(
        "/hostile", "<html><body>" + "<div class=s><p>t</p>" * depth + "</div>" * depth + "</body></html>"
    )
    async with running_bot(db, telegram, allow_private_urls=True, parse_timeout=1) as chat:
        [refused] = await chat.say(ADMIN, f"/addfeed {page} --html item=.s")
        [fine] = await chat.say(ADMIN, f"/addfeed {feed_server.add('/news.xml', _feed_xml('News', 2))}")
    assert refused.startswith(f"Not added: {page}: refused: parsing took longer than ")
    assert fine.startswith("Added feed #1: News — 2 items.")
    assert await _feed_urls(db) == [feed_server.url("/news.xml")]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/news.xml",
        "http://10.0.0.7/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "http://[::1]:{port}/news.xml",
    ],
)
async def test_addfeed_refuses_private_addresses_while_the_guard_is_on(
    chat: Chat, feed_server: FeedServer, url: str
) -> None:
    feed_server.add("/news.xml", _feed_xml("Local", 2))
    url = url.format(port=feed_server.port)
    [answer] = await chat.say(ADMIN, f"/addfeed {url}")
    assert answer.startswith(f"Not added: {url}: refused: ")
    assert answer.endswith(
        ("loopback address", "private address", "link-local address", "is not http or https")
    )
    assert feed_server.requests() == []
    assert await _feed_urls(chat.ctx.db) == []


@pytest.mark.parametrize(
    "target", ["http://10.1.2.3/feed.xml", "http://169.254.169.254/", "http://127.0.0.2:{port}/"]
)
async def test_addfeed_refuses_a_redirect_to_a_private_address(
    chat: Chat, feed_server: FeedServer, target: str
) -> None:
    # the first hop is on loopback, so this one server is trusted; everything else stays refused
    policy = AddressPolicy(trusted=(ipaddress.ip_network("127.0.0.1/32"),))
    fetcher = Fetcher(chat.ctx.settings, policy=policy)
    chat.ctx.fetcher = fetcher
    try:
        url = feed_server.add("/moved", fault="redirect", location=target.format(port=feed_server.port))
        [answer] = await chat.say(ADMIN, f"/addfeed {url}")
    finally:
        await fetcher.aclose()
    target = target.format(port=feed_server.port)
    assert answer.startswith(f"Not added: {target}: refused: ")
    assert answer.endswith(("loopback address", "private address", "link-local address"))
    assert [r.path for r in feed_server.requests()] == ["/moved"]
    assert await _feed_urls(chat.ctx.db) == []


async def test_rmfeed_stops_polling_and_keeps_stored_items(chat: Chat) -> None:
    db = chat.ctx.db
    first, _ = await add_feed(db, "https://a.example/rss", now=START, title="Alpha")
    await add_feed(db, "https://b.example/rss", now=START)
    assert await chat.say(ADMIN, "/rmfeed") == ["Usage: /rmfeed <id|url> — e.g. /rmfeed 3"]
    assert await chat.say(ADMIN, "/rmfeed 99") == ["No feed “99”. /feeds lists them with their ids."]
    [removed] = await chat.say(ADMIN, f"/rmfeed {first.id}")
    assert removed == "Removed feed #1 (Alpha): no longer polled; its 0 stored items stay."
    [by_url] = await chat.say(ADMIN, "/rmfeed https://b.example/rss")
    assert by_url.startswith("Removed feed #2 (https://b.example/rss)")
    assert [feed.enabled for feed in await list_feeds(db)] == [False, False]
    assert await chat.say(ADMIN, "/rmfeed 1") == ["No feed “1”. /feeds lists them with their ids."]


async def test_feeds_shows_status_and_pages_with_buttons(chat: Chat) -> None:
    db = chat.ctx.db
    for n in range(10):
        await add_feed(db, f"https://site{n}.example/rss", now=START, title=f"Site {n}")
    await record_fetch(
        db,
        2,
        FetchRecord(
            worker="t",
            started_at=START - timedelta(hours=2),
            duration_ms=10,
            outcome="error",
            next_poll_at=START + timedelta(minutes=5),
            error="https://site1.example/rss: HTTP 503 <Service Unavailable>",
        ),
    )
    [page] = await chat.send(ADMIN, "/feeds")
    lines = page.text.splitlines()
    assert lines[0] == "Feeds (10), page 1 of 2:"
    assert "#1 Site 0 — ok" in lines
    failing = "#2 Site 1 — failing since 2026-05-01 10:00 UTC: https://site1.example/rss: HTTP 503 <Service "
    assert failing + "Unavailable>" in lines
    assert "    feed · last new item never · 0 in 24 h · next poll 2026-05-01 12:05 UTC" in lines
    assert "Site 8" not in page.text
    assert [b["text"] for b in page.button_rows()[0]] == ["Next ›"]

    chat.telegram.inject_callback_query(ADMIN, ADMIN, "feeds:1", message_id=page.message_id)
    await chat.telegram.wait_until(lambda: chat.telegram.sent(ADMIN)[-1].edits == 1)
    edited = chat.telegram.sent(ADMIN)[-1]
    assert edited.text.splitlines()[0] == "Feeds (10), page 2 of 2:"
    assert "#10 Site 9 — ok" in edited.text
    assert [b["text"] for b in edited.button_rows()[0]] == ["‹ Previous"]

    # a page number no query can hold (a forged button) shows the last page; before: "Sorry, that command
    # failed on our side" (an integer overflow in the query, on both backends)
    await chat.press(ADMIN, ADMIN, "feeds:0", page.message_id)
    await chat.press(ADMIN, ADMIN, "feeds:" + "9" * 30, page.message_id)
    await chat.telegram.wait_until(lambda: chat.telegram.sent(ADMIN)[-1].edits == 3)
    assert chat.telegram.sent(ADMIN)[-1].text.splitlines()[0] == "Feeds (10), page 2 of 2:"


async def test_feeds_when_there_are_none(chat: Chat) -> None:
    assert await chat.say(ADMIN, "/feeds") == ["No feeds yet. Add one with /addfeed <url>."]


# ------------------------------------------------------------------------------------ admins


async def test_admins_are_added_listed_with_names_and_removed(chat: Chat) -> None:
    db = chat.ctx.db
    seeds = chat.ctx.settings.admin_ids
    assert await chat.say(ADMIN, f"/addadmin {OTHER_ADMIN}") == [f"Olga ({OTHER_ADMIN}) is now a bot admin."]
    assert await is_admin(db, OTHER_ADMIN, seeds)
    assert await chat.say(ADMIN, f"/addadmin {OTHER_ADMIN}") == [f"{OTHER_ADMIN} is already an admin."]
    assert await chat.say(OTHER_ADMIN, "/admins") == [
        f"Bot admins:\n• Ada — {ADMIN}, from BORDERWATCH_ADMINS\n• Olga — {OTHER_ADMIN}, added by {ADMIN}"
    ]
    assert await chat.say(OTHER_ADMIN, f"/rmadmin {ADMIN}") == [
        f"{ADMIN} is an admin through BORDERWATCH_ADMINS; remove it there and restart."
    ]
    assert await chat.say(ADMIN, f"/rmadmin {OTHER_ADMIN}") == [f"{OTHER_ADMIN} is no longer a bot admin."]
    assert not await is_admin(db, OTHER_ADMIN, seeds)
    assert await chat.say(OTHER_ADMIN, "/admins") == ["Sorry, /admins is only for bot admins."]
    assert await chat.say(ADMIN, "/addadmin -5") == ["“-5” is not a Telegram user id (a positive number)."]
    assert await chat.say(ADMIN, "/rmadmin") == ["Usage: /rmadmin <user_id> — e.g. /rmadmin 123456789"]


async def test_the_last_admin_cannot_be_removed(db: Database, telegram: BotApiEmulator) -> None:
    await add_admin(db, OTHER_ADMIN, added_by=ADMIN, seed_ids=set(), now=START)
    async with running_bot(db, telegram, admins="") as chat:
        assert await chat.say(OTHER_ADMIN, f"/rmadmin {OTHER_ADMIN}") == [
            f"{OTHER_ADMIN} is the last admin and cannot be removed."
        ]
        assert await is_admin(db, OTHER_ADMIN, set())


# ------------------------------------------------------------------------------------ /pause, /resume, /audit


async def test_pause_and_resume_switch_delivery(chat: Chat) -> None:
    db = chat.ctx.db
    assert await chat.say(ADMIN, "/resume") == ["Delivery was not paused."]
    assert await chat.say(ADMIN, "/pause") == ["Delivery paused. Pending alerts are kept."]
    assert await delivery_paused(db)
    assert await chat.say(ADMIN, "/pause") == ["Delivery was already paused."]
    assert await chat.say(ADMIN, "/resume") == ["Delivery resumed."]
    assert not await delivery_paused(db)


async def test_audit_shows_time_user_command_and_outcome(chat: Chat) -> None:
    await chat.say(STRANGER, "/pause")
    chat.clock.advance(minutes=1)
    await chat.say(ADMIN, "/resume")
    chat.clock.advance(minutes=1)
    await chat.audit(2)
    [answer] = await chat.say(ADMIN, "/audit 2")
    assert answer.splitlines() == [
        "Latest 2 admin commands:",
        f"• 2026-05-01 12:01:00 UTC — {ADMIN} /resume — allowed",
        f"• 2026-05-01 12:00:00 UTC — {STRANGER} /pause — refused",
    ]
    [default] = await chat.say(ADMIN, "/audit")
    assert default.splitlines()[0] == "Latest 3 admin commands:"
    assert default.splitlines()[1] == f"• 2026-05-01 12:02:00 UTC — {ADMIN} /audit “2” — allowed"
    assert await chat.say(ADMIN, "/audit many") == ["“many” is not a number between 1 and 50."]
    assert len(await chat.audit(5)) == 5


async def test_astral_arguments_cannot_hide_a_trail_from_audit(chat: Chat) -> None:
    for _ in range(50):
        await chat.say(STRANGER, "/addadmin " + "😀" * 70)
        chat.clock.advance(seconds=61)  # a row each: a refusal within a minute of the last adds to its count
    await chat.audit(50)
    [answer] = await chat.send(ADMIN, "/audit 50")
    lines = answer.text.splitlines()
    assert utf16_length(answer.text) <= 4096
    assert lines[0] == "Latest 50 admin commands:"
    assert lines[1].startswith(f"• 2026-05-01 12:49:49 UTC — {STRANGER} /addadmin “😀😀")
    assert lines[1].endswith("” — refused")
    assert lines[-1].startswith("… and ")


async def test_an_attempt_with_text_no_database_stores_is_still_audited(chat: Chat) -> None:
    # PostgreSQL refuses NUL in text, and no column holds a lone surrogate (a JSON update may carry one):
    # before, such attempts were refused but never audited (SQLite lost the surrogate one, PostgreSQL both)
    assert await chat.say(STRANGER, "/addadmin 2002\x00") == ["Sorry, /addadmin is only for bot admins."]
    chat.clock.advance(minutes=1)
    await chat.say(STRANGER, "/rmadmin \ud800")
    chat.clock.advance(minutes=1)
    await chat.say(ADMIN, "/addadmin 12\x0034")
    await chat.audit(3)
    [answer] = await chat.say(ADMIN, "/audit 3")
    assert answer.splitlines() == [
        "Latest 3 admin commands:",
        f"• 2026-05-01 12:02:00 UTC — {ADMIN} /addadmin “12\ufffd34” — error",
        f"• 2026-05-01 12:01:00 UTC — {STRANGER} /rmadmin “\ufffd” — refused",
        f"• 2026-05-01 12:00:00 UTC — {STRANGER} /addadmin “2002\ufffd” — refused",
    ]


# ------------------------------------------------------------------------------------ /export, /import

DECLARATIONS_REFUSED = "DOCTYPE and ENTITY declarations are not allowed in OPML"
OPML_HEAD = '<?xml version="1.0"?>\n<opml version="2.0"><head><title>t</title></head><body>'


async def test_import_reports_added_skipped_and_invalid(chat: Chat) -> None:
    db = chat.ctx.db
    await add_feed(db, "https://known.example/rss", now=START)
    document = (
        OPML_HEAD
        + '<outline text="Known" xmlUrl="https://known.example/rss"/>'
        + '<outline text="News" title="News &amp; more" xmlUrl="https://news.example/rss" language="hy"/>'
        + '<outline text="Folder"><outline text="Deep" xmlUrl="https://deep.example/atom"/></outline>'
        + '<outline text="Script" xmlUrl="javascript:alert(1)"/>'
        + f'<outline text="Long" xmlUrl="https://long.example/{"x" * 2100}"/>'
        + '<outline type="telegram" text="Channel" xmlUrl="tg:Lake_Watch"/>'
        + '<outline type="html" text="Page" xmlUrl="https://mod.example/news" selector-item=".item"'
        + ' selector-title="h3" timezone="Asia/Baku"/>'
        + '<outline type="html" text="No selectors" xmlUrl="https://nosel.example/news"/>'
        + "</body></opml>"
    ).encode()
    [report] = await chat.send(ADMIN, "/import", document=("feeds.opml", document))
    lines = report.text.splitlines()
    assert lines[0] == "Imported: 4 added, 1 skipped (already there), 3 invalid."
    assert lines[1] == "invalid: “javascript:alert(1)”"
    stored = {feed.url: feed for feed in await list_feeds(db)}
    assert set(stored) == {
        "https://known.example/rss",
        "https://news.example/rss",
        "https://deep.example/atom",
        "https://t.me/s/lake_watch",
        "https://mod.example/news",
    }
    assert stored["https://t.me/s/lake_watch"].kind == "telegram"
    page = stored["https://mod.example/news"]
    assert (page.kind, page.selectors) == ("html", {"item": ".item", "title": "h3", "timezone": "Asia/Baku"})
    assert stored["https://news.example/rss"].name == "News & more"
    assert stored["https://news.example/rss"].language == "hy"

    assert await chat.say(ADMIN, "/import") == [
        "Usage: /import — send an OPML file with /import as its caption"
    ]
    [broken] = await chat.send(ADMIN, "/import", document=("x.opml", b"<html>not opml"))
    assert broken.text.startswith("Not imported: x.opml: not well-formed XML")
    [bomb] = await chat.send(ADMIN, "/import", document=("b.opml", b'<!DOCTYPE x [<!ENTITY a "b">]><opml/>'))
    assert bomb.text == "Not imported: b.opml: DOCTYPE and ENTITY declarations are not allowed in OPML"


async def test_import_reads_the_opml_in_a_parser_process_not_on_the_event_loop(chat: Chat) -> None:
    parser = ParserPool(workers=2, remember=False)
    chat.ctx.parser = parser
    try:
        document = (
            OPML_HEAD + '<outline text="News" xmlUrl="https://news.example/rss"/></body></opml>'
        ).encode()
        [report] = await chat.send(ADMIN, "/import", document=("feeds.opml", document))
        assert report.text.splitlines()[0] == "Imported: 1 added, 0 skipped (already there), 0 invalid."
        assert parser.worker_pids(), "the OPML was read in a parser process"
        bomb = b'<!DOCTYPE x [<!ENTITY a "b">]><opml/>'
        [refusal] = await chat.send(ADMIN, "/import", document=("b.opml", bomb))
        assert refusal.text == f"Not imported: b.opml: {DECLARATIONS_REFUSED}"
    finally:
        chat.ctx.parser = None
        parser.close()


async def test_import_refuses_what_addfeed_refuses_and_reads_every_byte_of_the_document(chat: Chat) -> None:
    document = (
        OPML_HEAD
        + '<outline text="Loopback" xmlUrl="http://127.0.0.1:8080/rss"/>'
        + '<outline text="Metadata" xmlUrl="http://169.254.169.254/latest/meta-data/"/>'
        + '<outline text="Octal" xmlUrl="http://0177.0.0.1/feed"/>'
        + '<outline text="Named" xmlUrl="http://localhost/feed"/>'
        + '<outline text="Agent" xmlUrl="https://agent.example/rss" userAgent="Bot/1.0\r\nX-Evil: 1"/>'
        + "</body></opml>"
    ).encode()
    [report] = await chat.send(ADMIN, "/import", document=("feeds.opml", document))
    lines = report.text.splitlines()
    assert lines[0] == "Imported: 1 added, 0 skipped (already there), 0 invalid, 4 refused."
    assert lines[1] == "refused: “http://127.0.0.1:8080/rss” (127.0.0.1 is a loopback address)"
    assert [line.split(" (")[0] for line in lines[2:]] == [
        "refused: “http://169.254.169.254/latest/meta-data/”",
        "refused: “http://0177.0.0.1/feed”",
        "refused: “http://localhost/feed”",
    ]
    [stored] = await list_feeds(chat.ctx.db)
    assert (stored.url, stored.user_agent) == ("https://agent.example/rss", "Bot/1.0 X-Evil: 1")

    # a declaration far into the document, or in UTF-16, is found as well
    late = OPML_HEAD.replace("<opml", "<!--" + " " * 70_000 + '-->\n<!DOCTYPE opml [<!ENTITY a "b">]>\n<opml')
    wide = '<?xml version="1.0" encoding="utf-16"?>\n<!DOCTYPE opml [<!ENTITY a "b">]><opml/>'
    for name, body in (
        ("late.opml", (late + "</body></opml>").encode()),
        ("wide.opml", wide.encode("utf-16")),
    ):
        [refusal] = await chat.send(ADMIN, "/import", document=(name, body))
        assert (
            refusal.text == f"Not imported: {name}: DOCTYPE and ENTITY declarations are not allowed in OPML"
        )


async def test_opml_round_trip_export_then_import_into_an_empty_database(chat: Chat, tmp_path: Path) -> None:
    await add_feed(chat.ctx.db, "https://a.example/rss", now=START, title="Alpha <A>", language="en")
    await add_feed(chat.ctx.db, "https://b.example/atom?x=1&y=2", now=START, user_agent="Special/1.0")
    await add_feed(chat.ctx.db, "https://c.example/feed", now=START)
    await chat.say(ADMIN, "/alias sev_lake Zorgo Pond")
    exported = await chat.send(ADMIN, "/export", replies=2)
    opml = next(m for m in exported if m.file_name == "borderwatch-feeds.opml")
    assert opml.text == "3 feeds" and opml.document is not None
    assert [feed.url for feed in read_opml(opml.document)] == [
        "https://a.example/rss",
        "https://b.example/atom?x=1&y=2",
        "https://c.example/feed",
    ]

    gazetteer = next(m for m in exported if m.file_name == "borderwatch-entities.yaml")
    assert gazetteer.document is not None and gazetteer.text == f"{len(chat.ctx.gazetteer.entities)} entities"
    (tmp_path / "entities.yaml").write_bytes(gazetteer.document)
    reloaded = load_yaml_gazetteer(load_settings(entities=tmp_path / "entities.yaml"))
    assert [e.id for e in reloaded.entities] == [e.id for e in chat.ctx.gazetteer.entities]
    assert reloaded.classifier.classify("Shots fired near Zorgo Pond").entity_ids == ["sev_lake"]

    empty_url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    await upgrade(empty_url)
    empty = Database(empty_url)
    try:
        async with BotApiEmulator(enforce_limits=False) as telegram, running_bot(empty, telegram) as other:
            [report] = await other.send(ADMIN, "/import", document=("borderwatch-feeds.opml", opml.document))
            assert report.text == "Imported: 3 added, 0 skipped (already there), 0 invalid."
        before = [(f.url, f.name, f.language, f.user_agent) for f in await list_feeds(chat.ctx.db)]
        after = [(f.url, f.name, f.language, f.user_agent) for f in await list_feeds(empty)]
    finally:
        await empty.dispose()
    assert after == before


# ------------------------------------------------------------------------------------ failing-feed notices


async def test_failing_feed_notice_is_sent_once_and_recovery_once(chat: Chat) -> None:
    db = chat.ctx.db
    bot_client = chat.application.bot
    # registered with the admin commands, so the runtime gets the job without wiring it
    assert chat.application.job_queue.get_jobs_by_name("feed-notices")
    await add_admin(db, OTHER_ADMIN, added_by=ADMIN, seed_ids={ADMIN}, now=START)
    feed, _ = await add_feed(db, "https://down.example/rss", now=START, title="Down <Daily>")

    async def poll(outcome: str, error: str | None = None) -> None:
        await record_fetch(
            db,
            feed.id,
            FetchRecord(
                worker="t",
                started_at=chat.clock(),
                duration_ms=5,
                outcome=outcome,
                error=error,
                next_poll_at=chat.clock() + timedelta(minutes=1),
            ),
        )

    await poll("error", "https://down.example/rss: HTTP 502")
    chat.clock.advance(minutes=59)
    await poll("error", "https://down.example/rss: connection refused")
    assert (await send_feed_notices(bot_client, chat.ctx)).messages == 0

    chat.clock.advance(minutes=1)
    first = await send_feed_notices(bot_client, chat.ctx)
    assert first.failing == (feed.id,) and first.messages == 2
    for admin in (ADMIN, OTHER_ADMIN):
        [notice] = chat.telegram.texts(admin)
        assert notice == (
            "⚠️ Feed #1 Down <Daily> has been failing since 2026-05-01 12:00 UTC.\n"
            "https://down.example/rss\nLast error: https://down.example/rss: connection refused"
        )

    chat.clock.advance(hours=3)
    await poll("error", "https://down.example/rss: HTTP 500")
    assert (await send_feed_notices(bot_client, chat.ctx)).messages == 0

    await poll("ok")
    recovered = await send_feed_notices(bot_client, chat.ctx)
    assert recovered.recovered == (feed.id,) and recovered.messages == 2
    assert chat.telegram.texts(ADMIN)[-1] == "✅ Feed #1 Down <Daily> works again.\nhttps://down.example/rss"
    chat.clock.advance(hours=3)
    await poll("ok")
    assert (await send_feed_notices(bot_client, chat.ctx)).messages == 0
    assert len(chat.telegram.texts(ADMIN)) == len(chat.telegram.texts(OTHER_ADMIN)) == 2


# ------------------------------------------------------------------------------------ entities


def _tags(chat: Chat, title: str) -> list[str]:
    return list(chat.ctx.gazetteer.classifier.classify(title).entity_ids)


async def test_track_alias_untrack_take_effect_at_once_and_survive_a_restart(chat: Chat) -> None:
    assert _tags(chat, "Shelling near Blorpville overnight") == []
    assert await chat.say(ADMIN, "/track blorpville Blorpville; Blorp Town;  Блорпвиль ") == [
        "Now tracking Blorpville (blorpville), also named Blorp Town; Блорпвиль. "
        "New items are tagged from now on."
    ]
    assert _tags(chat, "Shelling near Blorpville overnight") == ["blorpville"]
    assert _tags(chat, "Обстрел у Блорпвиль") == ["blorpville"]

    assert await chat.say(ADMIN, "/alias Sev Lake; Zorgo Pond") == [
        "“Zorgo Pond” now names Sev Lake (sev_lake)."
    ]
    assert _tags(chat, "Troops seen at Zorgo Pond") == ["sev_lake"]
    assert await chat.say(ADMIN, "/alias sev_lake zorgo pond") == [
        "“zorgo pond” is already a name of Sev Lake."
    ]

    assert await chat.say(ADMIN, "/untrack Blorp Town") == [
        "Stopped tracking Blorpville (blorpville). Stored items keep their tags; "
        "/track blorpville <name> tracks it again."
    ]
    assert _tags(chat, "Shelling near Blorpville overnight") == []

    restarted = await load_gazetteer(chat.ctx.db, chat.ctx.settings)
    assert restarted.classifier.classify("Troops seen at Zorgo Pond").entity_ids == ["sev_lake"]
    assert restarted.resolve("blorpville") is None
    assert await chat.say(ADMIN, "/track blorpville Blorpville") == [
        "Now tracking Blorpville (blorpville). New items are tagged from now on."
    ]


async def test_entity_commands_refuse_bad_input_with_a_clear_error(chat: Chat) -> None:
    before = [e.id for e in chat.ctx.gazetteer.entities]
    bad_id = "is not a valid entity id: use 2 to 64 characters of a-z, 0-9 and _."
    alias_usage = (
        "Usage: /alias <entity> <alias> (or /alias <entity>; <alias>[; exact]) — e.g. /alias sev_lake "
        "Black Lake (exact: an acronym matched only as written)"
    )
    answers = {
        "/track": "Usage: /track <id> <name> [; alias; alias …] — e.g. /track sev_lake Sev Lake; Lake Sev; "
        "Սև լիճ",
        "/track Bad-Id Name": f"“Bad-Id” {bad_id}",
        "/track <b>x</b> Name": f"“<b>x</b>” {bad_id}",
        "/track sev_lake Sev": "sev_lake is already tracked; add names with /alias sev_lake …",
        "/track new_place Name; ; x": "The alias is empty.",
        "/track new_place Lachin": "“Lachin” already names Lachin (lachin).",
        f"/track new_place Name; {'a' * 101}": "The alias is too long (101 characters, at most 100).",
        "/alias": alias_usage,
        "/alias sev_lake": alias_usage,
        "/alias nowhere_land Foo": "No tracked entity “nowhere_land”. /entities lists them.",
        "/alias sev_lake Lachin": "“Lachin” already names Lachin (lachin).",
        "/alias sev_lake bell\u0007ring": "The alias contains control characters.",
        "/untrack": "Usage: /untrack <entity> — e.g. /untrack sev_lake",
        "/untrack Sev Lak": "No tracked entity “Sev Lak”. Did you mean sev_lake?",
    }
    for command, expected in answers.items():
        assert await chat.say(ADMIN, command) == [expected], command
    assert [e.id for e in chat.ctx.gazetteer.entities] == before
    entries = await chat.audit(len(answers))
    assert {entry.outcome for entry in entries} == {"allowed", "error"}


async def test_aliases_that_would_tag_every_item_are_refused_unless_an_exact_acronym(chat: Chat) -> None:
    refusals = {
        "/alias sev_lake a": "“a” is shorter than 3 letters: it would tag almost every item.",
        "/alias sev_lake The": "“The” is one of the most common words in news text: it would tag almost "
        "every item. An acronym can match only as written: /alias sev_lake; The; exact",
        "/alias sev_lake и": "“и” is shorter than 3 letters: it would tag almost every item.",
        "/alias sev_lake для": "“для” is one of the most common words in news text: it would tag almost "
        "every item.",
        "/alias sev_lake համար": "“համար” is one of the most common words in news text: it would tag almost "
        "every item.",
        "/alias sev_lake üçün": "“üçün” is one of the most common words in news text: it would tag almost "
        "every item.",
        "/alias sev_lake of the": "“of the” is one of the most common words in news text: it would tag "
        "almost every item.",
        "/alias sev_lake SL": "“SL” is shorter than 3 letters: it would tag almost every item. An acronym "
        "can match only as written: /alias sev_lake; SL; exact",
        "/alias sev_lake; a; exact": "“a” is shorter than 3 letters. An alias that matches only as written "
        "needs at least 2 letters and a capital letter, as an acronym has (e.g. UN).",
        "/track tiny_place X": "“X” is shorter than 3 letters: it would tag almost every item.",
        "/track new_place New Place; us": "“us” is shorter than 3 letters: it would tag almost every item.",
    }
    for command, expected in refusals.items():
        assert await chat.say(ADMIN, command) == [expected], command
    assert _tags(chat, "A report on the talks and the border") == []

    assert await chat.say(ADMIN, "/alias sev_lake; SL; exact") == [
        "“SL” now names Sev Lake (sev_lake) (only as written)."
    ]
    assert _tags(chat, "Patrol clash at SL overnight") == ["sev_lake"]
    assert _tags(chat, "the sl of it") == []
    restarted = await load_gazetteer(chat.ctx.db, chat.ctx.settings)
    assert restarted.classifier.classify("Patrol clash at SL overnight").entity_ids == ["sev_lake"]
    assert restarted.classifier.classify("a sl here").entity_ids == []


async def test_an_alias_added_in_chat_tags_the_next_item(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    url = feed_server.add("/border.xml", _feed_xml("Border", 2))
    async with running_bot(db, telegram, allow_private_urls=True) as chat:
        feed, _ = await add_feed(db, url, now=START)
        fetcher = Fetcher(chat.ctx.settings)
        async with ParserPool(workers=1) as parser:
            poller = FeedPoller(
                db,
                chat.ctx.settings,
                fetcher,
                parser,
                # what the runtime does: classify through whatever gazetteer is in force right now
                lambda title, summary, language: chat.ctx.gazetteer.classifier.classify(
                    title, summary, language
                ),
                worker="test",
                clock=chat.clock,
                rng=random.Random(1),
            )
            await poller.poll(feed)  # the first fetch is history
            await chat.say(ADMIN, "/alias sev_lake Zorgo Pond")
            feed_server.add(
                "/border.xml",
                rss("Border", [("new", "Patrol clash at Zorgo Pond", "https://example.com/new", "details")]),
            )
            [current] = [f for f in await list_feeds(db) if f.id == feed.id]
            result = await poller.poll(current)
        await fetcher.aclose()
    assert [item.entity_ids for item in result.new_items] == [("sev_lake",)]


class HeldBuild:
    """Holds the next gazetteer build (feeds.gazetteer.Gazetteer, whoever builds it) until `release` is set,
    so a test sees what the bot does meanwhile. A build run on the event loop is not held (nothing could
    ever release it there): it ends before anything else runs, which is what the tests catch."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.ended = threading.Event()
        held = self

        class HeldGazetteer(Gazetteer):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                first = not held.started.is_set()
                held.started.set()
                if first and not _on_the_event_loop():
                    held.release.wait()
                super().__init__(*args, **kwargs)
                if first:
                    held.ended.set()

        monkeypatch.setattr(feeds.gazetteer, "Gazetteer", HeldGazetteer)

    async def wait_started(self) -> None:
        await asyncio.to_thread(self.started.wait)


def _on_the_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def test_other_chats_are_answered_while_an_entity_change_rebuilds_the_gazetteer(
    db: Database, telegram: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_admin(db, OTHER_ADMIN, added_by=ADMIN, seed_ids={ADMIN}, now=START)
    async with running_bot(db, telegram) as chat:
        held = HeldBuild(monkeypatch)
        try:
            telegram.inject_command(ADMIN, ADMIN, "/alias sev_lake Zorgo Pond")
            await held.wait_started()
            assert await chat.say(STRANGER, "/start"), "another chat is answered"
            assert not held.ended.is_set(), "answered while the gazetteer was being rebuilt"
            async with changing_gazetteer(db) as elsewhere:  # another process's /alias, committed first
                await elsewhere.add_alias("lachin", "Quxford Lane")
            # a second admin's change meanwhile waits its turn, and is built on the first one's rows
            telegram.inject_command(OTHER_ADMIN, OTHER_ADMIN, "/alias sev_lake Blorp Mere")
        finally:
            held.release.set()
        [added] = await telegram.wait_for_messages(ADMIN, 1)
        assert added.text == "“Zorgo Pond” now names Sev Lake (sev_lake)."
        assert _tags(chat, "Troops seen at Zorgo Pond") == ["sev_lake"]
        assert _tags(chat, "Trucks stopped on Quxford Lane") == ["lachin"], "committed before: in force too"
        [other] = await telegram.wait_for_messages(OTHER_ADMIN, 1)
        assert other.text == "“Blorp Mere” now names Sev Lake (sev_lake)."
        assert _tags(chat, "Blorp Mere, Zorgo Pond") == ["sev_lake"]
        assert _tags(chat, "Quxford Lane") == ["lachin"]
        assert chat.ctx.entities.version == (await gazetteer_rows(db)).version, "the newest is in force"


async def test_other_chats_are_answered_while_a_change_made_elsewhere_is_loaded(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with changing_gazetteer(chat.ctx.db) as change:  # another process's /alias
        await change.add_alias("sev_lake", "Zorgo Pond")
    held = HeldBuild(monkeypatch)
    try:
        reloading = asyncio.ensure_future(refresh_gazetteer(chat.ctx))
        await held.wait_started()
        assert await chat.say(STRANGER, "/start"), "another chat is answered"
        assert not held.ended.is_set(), "answered while the gazetteer was being rebuilt"
        assert _tags(chat, "Troops seen at Zorgo Pond") == [], "the old one stays in force until then"
    finally:
        held.release.set()
    assert await reloading
    assert _tags(chat, "Troops seen at Zorgo Pond") == ["sev_lake"]


# ------------------------------------------------------------------------------------ hostile input


async def test_out_of_range_numbers_and_addresses_get_a_plain_answer(chat: Chat) -> None:
    db = chat.ctx.db
    not_a_user = "is not a Telegram user id (a positive number)."
    answers = {
        "/addadmin 9999999999999999999": f"“9999999999999999999” {not_a_user}",
        "/rmadmin 18446744073709551617": f"“18446744073709551617” {not_a_user}",
        "/rmfeed 99999999999999999999": "No feed “99999999999999999999”. /feeds lists them with their ids.",
        "/rmfeed #4294967296": "No feed “#4294967296”. /feeds lists them with their ids.",
        "/story 99999999999": "There is no story 99999999999.",
    }
    for command, expected in answers.items():
        assert await chat.say(ADMIN, command) == [expected], command
    [port] = await chat.say(ADMIN, "/addfeed https://example.org:99999/rss")
    assert port.startswith("Not added: https://example.org:99999/rss") and "Port out of range" in port
    [idna] = await chat.say(ADMIN, "/addfeed https://a..b.example/rss")
    assert idna.startswith("Not added: ") and "is not a valid internet name" in idna
    [long_label] = await chat.say(ADMIN, f"/addfeed https://{'x' * 70}.example/rss")
    assert "is not a valid internet name" in long_label
    assert await _feed_urls(db) == []


async def test_import_of_an_unreadable_encoding_or_without_a_size_is_answered(chat: Chat) -> None:
    odd = b'<?xml version="1.0" encoding="x-martian"?><opml version="2.0"><body/></opml>'
    [answer] = await chat.send(ADMIN, "/import", document=("odd.opml", odd))
    assert answer.text.startswith("Not imported: odd.opml: its text encoding cannot be read")
    [utf7] = await chat.send(ADMIN, "/import", document=("u7.opml", odd.replace(b"x-martian", b"utf-7")))
    assert utf7.text.startswith("Not imported: u7.opml: its text encoding cannot be read")

    # a document whose message carries no file_size (Telegram may leave it out)
    document = (
        OPML_HEAD + '<outline text="A" xmlUrl="https://sizeless.example/rss"/></body></opml>'
    ).encode()
    file_id = chat.telegram.store_file("sizeless.opml", document)
    before = len(chat.telegram.sent(ADMIN))
    chat.telegram.inject_update(
        {
            "message": {
                "message_id": 9001,
                "date": 0,
                "chat": {"id": ADMIN, "type": "private", "first_name": "Ada"},
                "from": chat.telegram.users[ADMIN],
                "document": {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": "s.opml"},
                "caption": "/import",
                "caption_entities": [{"type": "bot_command", "offset": 0, "length": 7}],
            }
        }
    )
    [report] = (await chat.telegram.wait_for_messages(ADMIN, before + 1))[before:]
    assert report.text == "Imported: 1 added, 0 skipped (already there), 0 invalid."


async def test_an_import_caption_for_another_bot_is_ignored(chat: Chat) -> None:
    document = (OPML_HEAD + '<outline text="A" xmlUrl="https://other.example/rss"/></body></opml>').encode()
    before = len(chat.telegram.sent(ADMIN))
    chat.telegram.inject_message(ADMIN, ADMIN, document=("o.opml", document), caption="/import@other_bot")
    assert await chat.say(ADMIN, "/pause") == ["Delivery paused. Pending alerts are kept."]
    assert len(chat.telegram.sent(ADMIN)) == before + 1
    assert await _feed_urls(chat.ctx.db) == []
    [mine] = await chat.send(ADMIN, "/import@borderwatch_bot", document=("m.opml", document))
    assert mine.text.startswith("Imported: 1 added")


async def test_a_command_that_fails_is_answered_plainly_and_logged(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in a query")

    monkeypatch.setattr(bot.commands.admin, "list_admins", broken)
    assert await chat.say(ADMIN, "/admins") == [
        "Sorry, that command failed on our side and nothing was changed by it. Please try again later."
    ]
    assert any("failed" in r.getMessage() and r.exc_info for r in caplog.records)
    [entry] = await chat.audit(1)
    assert (entry.command, entry.outcome) == ("admins", "error")


async def test_keyboard_buttons_of_long_ids_sharing_a_prefix_stay_apart(chat: Chat) -> None:
    prefix = "zorgland_" + "x" * 45
    for suffix, name in (("_north", "Zorgland North"), ("_south", "Zorgland South")):
        [answer] = await chat.say(ADMIN, f"/track {prefix}{suffix} {name}")
        assert answer.startswith("Now tracking")
    [keyboard] = await chat.send(ADMIN, "/subscribe")
    buttons: dict[str, str] = {}
    for _page in range(20):  # turn the pages until both entities were seen
        for row in keyboard.button_rows():
            for button in row:
                if button["text"].startswith("Zorgland"):
                    buttons[button["text"]] = button["callback_data"]
        if len(buttons) == 2:
            break
        [next_page] = [b["callback_data"] for row in keyboard.button_rows() for b in row if b["text"] == "▶"]
        await _press(chat, next_page, keyboard.message_id)
        keyboard = next(m for m in chat.telegram.sent(ADMIN) if m.message_id == keyboard.message_id)
    assert buttons["Zorgland North"] != buttons["Zorgland South"]
    assert all(len(data.encode()) <= 64 for data in buttons.values())
    answer = await _press(chat, buttons["Zorgland South"], keyboard.message_id)
    assert answer["text"] == "Subscribed to Zorgland South."


async def _press(chat: Chat, data: str, message_id: int) -> dict[str, Any]:
    answers = len(chat.telegram.callback_answers)
    chat.telegram.inject_callback_query(ADMIN, ADMIN, data, message_id=message_id)
    await chat.telegram.wait_until(lambda: len(chat.telegram.callback_answers) > answers)
    return chat.telegram.callback_answers[answers]


async def test_a_chart_of_an_entity_named_like_tex_is_drawn(chat: Chat) -> None:
    [answer] = await chat.say(ADMIN, "/track tex_place $\\frac{1$ Place")
    assert answer.startswith("Now tracking")
    [picture] = await chat.send(ADMIN, "/chart $\\frac{1$ Place 7")
    assert picture.kind == "photo" and picture.text.startswith("$\\frac{1$ Place: 0 stories in 7 days")


async def test_a_refusal_flood_is_counted_on_a_few_rows_not_a_row_per_attempt(chat: Chat) -> None:
    # before: one stranger paced at a reply a second added 86,400 rows a day, kept forever
    db = chat.ctx.db
    for attempt in range(200):
        command = "/pause" if attempt % 2 else f"/addadmin {attempt}"
        name = command.split()[0][1:]
        assert await chat.say(STRANGER, command) == [f"Sorry, /{name} is only for bot admins."]
        if attempt % 20 == 19:
            chat.clock.advance(seconds=5)  # the last at 45 s: one window
    assert await count_audit(db) == 200  # every attempt accounted for
    entries = await latest_audit(db, 50)
    assert len(entries) <= 4
    assert sum(entry.repeats for entry in entries) == 200
    assert {entry.command: entry.repeats for entry in entries} == {"addadmin": 100, "pause": 100}
    [answer] = await chat.say(ADMIN, "/audit")
    assert answer.splitlines() == [
        "Latest 2 admin commands:",
        f"• 2026-05-01 12:00:00 UTC — {STRANGER} /pause — refused ×100, last 12:00:45 UTC",
        f"• 2026-05-01 12:00:00 UTC — {STRANGER} /addadmin “0” — refused ×100, last 12:00:45 UTC",
    ]

    # after a minute without one, a refusal starts a new row
    chat.clock.advance(seconds=61)
    await chat.say(STRANGER, "/pause")
    await chat.audit(202)  # and the /audit
    [newest] = await latest_audit(db, 1)
    assert (newest.command, newest.repeats, newest.at) == ("pause", 1, START + timedelta(seconds=111))

    # an admin's own actions stay one row each, however fast
    for _ in range(3):
        await chat.say(ADMIN, "/pause")
    await chat.audit(205)
    entries = await latest_audit(db, 3)
    assert [(e.user_id, e.command, e.repeats) for e in entries] == [(ADMIN, "pause", 1)] * 3
