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

import asyncio
import random
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import bot.app
from bot.deliver import DeliveryLoop
from feeds.liveness import ProcessLiveness, host_identity
from storage.alert_updates import claim_due_updates, finish_update, updates_for_chat
from storage.db import Database
from storage.feeds import add_feed
from storage.instances import register_instance
from tests.botapi import BotApiEmulator
from tests.botapi.emulator import SentMessage
from tests.clock import Clock
from tests.feedserver import FeedServer, rss, running
from tests.harness import FAST_LIMITER, Pipeline, feed_pipeline, subscribe

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
    async with feed_pipeline(db, clock, READER) as pipeline:
        ingest, telegram = pipeline.ingest, pipeline.telegram
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
        await pipeline.deliver()
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
        # the rewrites are real: each alert has an edit queued, one however many versions came
        assert alerts // 2 <= len(edits) <= alerts
        clock.now += timedelta(minutes=1)
        third_item = ("t-0", titles[STORIES], "http://third.example/0", "Shelling.")
        feed_server.publish("/third.xml", THIRD_REPORT, third_item, clock.now)
        await ingest.poll_all_once()

        started = len(telegram.requests)
        loop = DeliveryLoop(pipeline.ctx, pipeline.application.bot, clock=clock)
        await loop.step()  # the reader's first lease of edits is on its way
        real_item = ("w-real", REAL_STORY, "http://wire.example/real", "Closed.")
        feed_server.publish("/wire.xml", "Border Wire", real_item, clock.now)
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
    async with feed_pipeline(db, clock, READER) as pipeline:
        ingest, telegram = pipeline.ingest, pipeline.telegram
        await ingest.poll_all_once()  # history: nothing alerts
        for n, name in enumerate(names):
            clock.now += timedelta(minutes=1)
            item = (f"{n}-1", STORY, f"http://{n}.example/1", "Troops advance.")
            feed_server.publish(f"/feed-{n}.xml", name, item, clock.now)
            if n <= 1:  # the first report alerts, the second edits; the others come at once
                await ingest.poll_all_once()
                await pipeline.deliver()
        await ingest.poll_all_once()
        started = len(telegram.requests)
        await pipeline.deliver()

    calls = _calls(telegram, started)
    assert [method for method, _ in calls] == ["editMessageText"], f"{len(calls)} calls: {calls}"
    (alert,) = telegram.texts(READER)
    assert f"also reported by: Armenpress, Interfax (+{len(LATER_SOURCES) - 2})" in alert, alert


REWRITTEN = 3  # stories the rewriting feed republishes


async def test_a_feed_rewriting_its_items_queues_an_edit_only_when_the_alert_can_show_something_new(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rewriting feed's first two versions of each story come before the reader's alerts are edited:
    one edit row an alert (the second version folds into the first's, still pending), which names it. Its
    next versions add no source the edited alerts do not show: no row at all. A third feed's report of one
    story is a new source: one more row and edit, showing both."""
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    urls = [
        feed_server.add(f"/{n}.xml", rss(name, [])) for n, name in enumerate(("Border Wire", "Rewrite Wire"))
    ]
    third_url = feed_server.add("/third.xml", rss(THIRD_REPORT, []))
    for url in (*urls, third_url):
        await add_feed(db, url, now=clock.now)
    await subscribe(db, READER, "sev_lake", "jermuk", "goris")
    titles = _titles()[:REWRITTEN]
    async with feed_pipeline(db, clock, READER) as pipeline:
        ingest, telegram = pipeline.ingest, pipeline.telegram
        await ingest.poll_all_once()  # history: nothing alerts
        clock.now += timedelta(minutes=1)
        feed_server.add(
            "/0.xml",
            rss("Border Wire",
                [(f"w-{n}", t, f"http://wire.example/{n}", "Shelling.") for n, t in enumerate(titles)],
                dates=[int(clock.now.timestamp()) - n for n in range(REWRITTEN)]),
        )  # fmt: skip
        await ingest.poll_all_once()
        await pipeline.deliver()
        alerts = telegram.sent(READER)
        assert len(alerts) == REWRITTEN
        for poll in range(4):
            clock.now += timedelta(minutes=1)
            feed_server.add(
                "/1.xml",
                rss("Rewrite Wire",
                    [(f"r-{poll}-{n}", f"{t} {VERSIONS[poll]}", f"http://rw.example/{poll}/{n}", "")
                     for n, t in enumerate(titles)],
                    dates=[int(clock.now.timestamp()) - n for n in range(REWRITTEN)]),
            )  # fmt: skip
            await ingest.poll_all_once()
            if poll == 1:
                await pipeline.deliver()
        clock.now += timedelta(minutes=1)
        third_item = ("t-0", titles[0], "http://third.example/0", "Shelling.")
        feed_server.publish("/third.xml", THIRD_REPORT, third_item, clock.now)
        await ingest.poll_all_once()
        await pipeline.deliver()

    rows = [row for row in await updates_for_chat(db, READER) if row[0] == "edit"]
    assert [status for _, status, _ in rows] == ["sent"] * (REWRITTEN + 1), rows
    assert sum(method == "editMessageText" for method, _ in _calls(telegram, 0)) == REWRITTEN + 1
    shown = [message.text for message in telegram.sent(READER)]
    assert f"also reported by: Rewrite Wire, {THIRD_REPORT}" in shown[0], shown[0]
    assert all("also reported by: Rewrite Wire" in text for text in shown[1:]), shown


async def _wire_rewrite_and_third_feeds(
    db: Database, feed_server: FeedServer, clock: Clock
) -> Callable[[int, str, str], None]:
    """Border Wire, Rewrite Wire and THIRD_REPORT as empty feeds 0, 1 and 2, the reader following the places
    in _titles(); `publish(n, guid, title)` then has feed n serve that one item, dated now."""
    names = ("Border Wire", "Rewrite Wire", THIRD_REPORT)
    for n, name in enumerate(names):
        await add_feed(db, feed_server.add(f"/{n}.xml", rss(name, [])), now=clock.now)
    await subscribe(db, READER, "sev_lake", "jermuk", "goris")

    def publish(n: int, guid: str, text: str) -> None:
        item = (guid, text, f"http://{n}.example/{guid}", "Shelling.")
        feed_server.publish(f"/{n}.xml", names[n], item, clock.now)

    return publish


async def _alerted_then_rewritten(
    pipeline: Pipeline, publish: Callable[[int, str, str], None], title: str
) -> SentMessage:
    """Feed 0 reports `title` and the reader gets its alert; a minute later the rewriting feed's first
    version of it is polled (an edit of the alert queued). The alert."""
    clock = pipeline.clock
    await pipeline.ingest.poll_all_once()  # history: nothing alerts
    clock.now += timedelta(minutes=1)
    publish(0, "w-0", title)
    await pipeline.ingest.poll_all_once()
    await pipeline.deliver()
    (alert,) = pipeline.telegram.sent(READER)
    clock.now += timedelta(minutes=1)
    publish(1, "r-0", f"{title} {VERSIONS[0]}")
    await pipeline.ingest.poll_all_once()
    return alert


async def test_a_bot_killed_while_editing_leaves_the_alert_showing_every_source(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot process leased the edit naming the rewriting feed and was killed (kill -9) before it was sent;
    meanwhile the feed wrote its story again and a third feed reported it. The next bot process sends one
    edit, naming both: the version written while the edit was leased had a row of its own (the leased one
    may already have been rendered without it), folded with the third feed's into one."""
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    publish = await _wire_rewrite_and_third_feeds(db, feed_server, clock)
    (title,) = _titles()[:1]

    victim = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(60)")
    killed = f"bot:{victim.pid}:killed"
    await register_instance(
        db, killed, role="bot", host=host_identity(), pid=victim.pid, process_start=None, now=clock.now
    )
    async with feed_pipeline(db, clock, READER) as pipeline:
        ingest, telegram = pipeline.ingest, pipeline.telegram
        alert = await _alerted_then_rewritten(pipeline, publish, title)
        (leased,) = await claim_due_updates(db, now=clock.now, limit=5, owner=killed)
        assert leased.kind == "edit" and leased.needed
        victim.kill()  # SIGKILL: the lease dies with the process, the edit unsent
        await victim.wait()
        clock.now += timedelta(minutes=1)
        publish(1, "r-1", f"{title} {VERSIONS[1]}")
        await ingest.poll_all_once()
        clock.now += timedelta(seconds=30)
        publish(2, "t-0", title)
        await ingest.poll_all_once()
        started = len(telegram.requests)
        liveness = ProcessLiveness(db, "bot", clock=lambda: clock.now)
        await liveness.start()  # its first look gives back what the killed process held
        try:
            loop = DeliveryLoop(pipeline.ctx, pipeline.application.bot, clock=clock, liveness=liveness)
            await loop.run_until_idle()
        finally:
            await liveness.stop()

    assert [method for method, _ in _calls(telegram, started)] == ["editMessageText"]
    assert f"also reported by: Rewrite Wire, {THIRD_REPORT}" in alert.text, alert.text
    statuses = sorted(status for kind, status, _ in await updates_for_chat(db, READER) if kind == "edit")
    assert statuses == ["sent", "skipped"], statuses


async def test_a_source_reported_while_an_edit_is_being_sent_gets_an_edit_of_its_own(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another bot process has leased the edit naming the rewriting feed (rendered as the alert read then)
    when a third feed reports the story: the third feed's edit is a row of its own, not folded into the
    leased one, so the alert ends up naming it once that process is done."""
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    publish = await _wire_rewrite_and_third_feeds(db, feed_server, clock)
    (title,) = _titles()[:1]

    async with feed_pipeline(db, clock, READER) as pipeline:
        alert = await _alerted_then_rewritten(pipeline, publish, title)
        (leased,) = await claim_due_updates(db, now=clock.now, limit=5, owner="bot:other")
        clock.now += timedelta(seconds=30)
        publish(2, "t-0", title)
        await pipeline.ingest.poll_all_once()
        # the other process sends what it rendered: the rewriting feed only
        assert leased.alert.also_reported_by == ("Rewrite Wire",)
        await pipeline.application.bot.edit_message_text(
            f"{alert.text}\nalso reported by: Rewrite Wire", chat_id=READER, message_id=alert.message_id
        )
        await finish_update(db, leased.id, "sent", clock.now, shown=leased)
        await pipeline.deliver()

    assert f"also reported by: Rewrite Wire, {THIRD_REPORT}" in alert.text, alert.text
    assert [s for k, s, _ in await updates_for_chat(db, READER) if k == "edit"] == ["sent", "sent"]
