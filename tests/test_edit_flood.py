"""One feed that rewrites its items never queues another source's edit or new alert behind its edits.

Black box, as tests/test_feed_flood.py: three feeds on the loopback feed server, polled by the real ingest
service with the shipped gazetteer's classifier and story rules, a real SQLite file or PostgreSQL database,
and the delivery loop sending to the Bot API emulator. One feed ("Border Wire") reports STORIES stories and
the reader gets their alerts; another ("Rewrite Wire") then republishes every one of them at each of
REWRITES polls under a new guid and a changed title, so each version joins the story and queues an edit of
its alert ("also reported by Rewrite Wire"); a third feed reports one of the stories too (an edit that
changes what the reader sees), and the first feed reports a new story while the rewrites' edits are being
sent. What the reader sees is the order of the Bot API calls in their chat.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import bot.app
from bot.deliver import DeliveryLoop
from feeds.service import IngestService
from storage.alert_updates import updates_for_chat
from storage.db import Database
from storage.feeds import add_feed
from tests.botapi import BotApiEmulator
from tests.clock import Clock
from tests.feedserver import FeedServer, rss, running
from tests.harness import FAST_LIMITER, initialized_bot, subscribe

READER = 4721
STORIES, REWRITES = 20, 5
PLACES = ("Sev Lake", "Jermuk", "Goris")
WORDS = ("road", "patrol", "convoy", "village", "farmers", "water", "school", "bridge", "post", "hill")
THIRD_REPORT = "Third Wire"
REAL_STORY = "Lachin corridor closed to traffic, officials say"
REAL_SHOWN = "closed to traffic, officials say"  # the entity's name is shown in bold
VERSIONS = ("- live", "(video)", "- latest", "- report", "(photos)", "- details")
CALLS = ("sendMessage", "editMessageText")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


def _titles() -> list[str]:
    rng = random.Random(11)
    return [
        f"Shelling near {PLACES[n % len(PLACES)]}: {' '.join(rng.sample(WORDS, 5))} {n}"
        for n in range(STORIES + 1)
    ]


def _calls(telegram: BotApiEmulator, since: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (method, params)
        for method, params in telegram.requests[since:]
        if method in CALLS and int(params.get("chat_id", 0)) == READER
    ]


async def test_a_feed_rewriting_its_items_does_not_queue_other_sources_behind_its_edits(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now)
    wire_url = feed_server.add("/wire.xml", rss("Border Wire", []))
    rewrite_url = feed_server.add("/rewrite.xml", rss("Rewrite Wire", []))
    third_url = feed_server.add("/third.xml", rss(THIRD_REPORT, []))
    for url in (wire_url, rewrite_url, third_url):
        await add_feed(db, url, now=now)
    await subscribe(db, READER, "sev_lake", "jermuk", "goris", "lachin_corridor")
    titles = _titles()
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(READER)
        async with (
            initialized_bot(db, telegram, clock, allow_private_urls=True) as (ctx, application),
            IngestService(
                db, ctx.settings, ctx.gazetteer.classifier.classify, clock=clock, rng=random.Random(0)
            ) as ingest,
        ):
            await ingest.poll_all_once()  # history: nothing alerts
            stamp = int(clock.now.timestamp())
            feed_server.add(
                "/wire.xml",
                rss(
                    "Border Wire",
                    [(f"w-{n}", t, f"http://wire.example/{n}", "Shelling.") for n, t in enumerate(titles)],
                    dates=[stamp - n for n in range(STORIES + 1)],
                ),
            )
            clock.now += timedelta(minutes=1)
            await ingest.poll_all_once()
            await DeliveryLoop(ctx, application.bot, clock=clock).run_until_idle()
            alerts = len(_calls(telegram, 0))
            assert alerts >= STORIES // 2  # most of the stories are stories of their own

            for poll in range(REWRITES):
                clock.now += timedelta(minutes=1)
                feed_server.add(
                    "/rewrite.xml",
                    rss(
                        "Rewrite Wire",
                        [
                            (
                                f"r-{poll}-{n}",
                                f"{t} {VERSIONS[poll]}",
                                f"http://rw.example/{poll}/{n}",
                                "",
                            )
                            for n, t in enumerate(titles[:STORIES])
                        ],
                        dates=[int(clock.now.timestamp()) - n for n in range(STORIES)],
                    ),
                )
                await ingest.poll_all_once()
            edits = [row for row in await updates_for_chat(db, READER) if row[0] == "edit"]
            assert len(edits) >= alerts * REWRITES // 2  # the rewrites are real: each queued edits
            clock.now += timedelta(minutes=1)
            feed_server.add(
                "/third.xml",
                rss(THIRD_REPORT, [("t-0", titles[STORIES], "http://third.example/0", "Shelling.")],
                    dates=[int(clock.now.timestamp())]),
            )  # fmt: skip
            await ingest.poll_all_once()

            started = len(telegram.requests)
            loop = DeliveryLoop(ctx, application.bot, clock=clock)
            await loop.step()  # the reader's first lease of edits is on its way
            feed_server.add(
                "/wire.xml",
                rss("Border Wire", [("w-real", REAL_STORY, "http://wire.example/real", "Closed.")],
                    dates=[int(clock.now.timestamp())]),
            )  # fmt: skip
            clock.now += timedelta(seconds=30)
            (real,) = [item for _, item in (await ingest.poll_all_once()).new_items]
            assert real.title == REAL_STORY and real.alerted_chats == 1
            await loop.run_until_idle()

    calls = _calls(telegram, started)
    new_alert = [k for k, (m, p) in enumerate(calls) if m == "sendMessage" and REAL_SHOWN in p["text"]]
    third = [k for k, (m, p) in enumerate(calls) if m == "editMessageText" and THIRD_REPORT in p["text"]]
    edit_calls = sum(method == "editMessageText" for method, _ in calls)
    # the new story waits for one lease of the reader's edits (5 rows), not for all the leased rewrites
    assert len(new_alert) == 1 and new_alert[0] <= 5, f"the new story was call {new_alert} of {calls}"
    # the third source's edit takes its turn beside the rewrites, not behind them
    assert len(third) == 1 and third[0] <= 2, f"the third source's edit was call {third} of {len(calls)}"
    # every alert shows the rewriting feed once: one edit an alert at most, whatever the number of rewrites
    assert edit_calls <= alerts


LATER_SOURCES = ("Armenpress", "Interfax", "News.am", "Azatutyun", "CivilNet", "JAMnews")
STORY = "Azerbaijani troops advance near Sev Lake, Armenian defence ministry says"


async def test_many_later_reports_of_a_story_at_once_edit_its_alert_once(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six agencies report a story the reader was alerted to within one poll round: the alert is edited once
    to name them all, not once for each (the others would be Telegram calls changing nothing)."""
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now)
    names = ("Border Wire", *LATER_SOURCES)
    urls = [feed_server.add(f"/feed-{n}.xml", rss(name, [])) for n, name in enumerate(names)]
    for url in urls:
        await add_feed(db, url, now=now)
    await subscribe(db, READER, "sev_lake")
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(READER)
        async with (
            initialized_bot(db, telegram, clock, allow_private_urls=True) as (ctx, application),
            IngestService(
                db, ctx.settings, ctx.gazetteer.classifier.classify, clock=clock, rng=random.Random(0)
            ) as ingest,
        ):
            await ingest.poll_all_once()  # history: nothing alerts
            for n, name in enumerate(names):
                clock.now += timedelta(minutes=1)
                feed_server.add(
                    f"/feed-{n}.xml",
                    rss(name, [(f"{n}-1", STORY, f"http://{n}.example/1", "Troops advance.")],
                        dates=[int(clock.now.timestamp())]),
                )  # fmt: skip
                if n <= 1:  # the first report alerts, the second edits; the others come at once
                    await ingest.poll_all_once()
                    await DeliveryLoop(ctx, application.bot, clock=clock).run_until_idle()
            await ingest.poll_all_once()
            started = len(telegram.requests)
            await DeliveryLoop(ctx, application.bot, clock=clock).run_until_idle()

    calls = _calls(telegram, started)
    assert [method for method, _ in calls] == ["editMessageText"], f"{len(calls)} calls: {calls}"
    (alert,) = telegram.texts(READER)
    assert f"also reported by: Armenpress, Interfax (+{len(LATER_SOURCES) - 2})" in alert, alert
