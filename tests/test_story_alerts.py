"""One story, many sources, end to end through the real Application, DeliveryLoop and the Bot API emulator:
one alert then edits ("also reported by …"), one reply when the severity rises, one alert for a chat that
subscribed late, nothing when an edit fails, and daily digests once at their time (a controllable clock).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from telegram.ext import Application

from bot.app import build_application
from bot.context import BotContext
from bot.deliver import DeliveryLoop
from bot.digest import DigestJob
from bot.topics import REOPEN_CHECK, ClosedTopics
from feeds.gazetteer import load_gazetteer
from feeds.model import Classification, EntityMatch, FeedEntry, NewItem
from feeds.store import FeedItems, StoredItem, store_new_items, store_new_items_of_feeds
from storage import chats, deliveries, digests
from storage.alert_updates import updates_for_chat
from storage.db import Database
from storage.models import Chat, Feed
from storage.quarantine import quarantine_counts
from storage.settings import load_settings
from tests.botapi import BotApiEmulator
from tests.clock import Clock
from tests.harness import subscribe as subscribe_chat

START = datetime(2022, 9, 13, 6, 0, tzinfo=UTC)
GROUP, LATE, OTHER = -1001, -1002, -1003
SOURCES = ("Armenpress", "Interfax", "News.am", "Azatutyun", "CivilNet")


@dataclass
class Rig:
    db: Database
    telegram: BotApiEmulator
    clock: Clock
    ctx: BotContext
    app: Application[Any, Any, Any, Any, Any, Any]
    feeds: dict[str, int]

    async def deliver(self) -> int:
        return await DeliveryLoop(self.ctx, self.app.bot, clock=self.clock).run_until_idle()

    async def assert_nothing_tried_again(self) -> None:
        """Two hours on, the delivery loop leases nothing and calls Telegram for nothing."""
        tried = len(self.telegram.requests)
        self.clock.now += timedelta(hours=2)
        assert await self.deliver() == 0
        assert len(self.telegram.requests) == tried

    async def report(
        self,
        source: str,
        title: str,
        severity: str | None = "P2",
        entity: str = "sev_lake",
        *,
        day_only: bool = False,
    ) -> StoredItem:
        """`source` publishes `title` now (`day_only`: gives only today's date, read as its noon UTC); stored
        as the ingest side would."""
        item = self._item(source, title, severity, entity, day_only)
        (stored,) = await store_new_items(self.db, self.feeds[source], [item], alert=True, now=self.clock.now)
        self.clock.now += timedelta(minutes=2)
        return stored

    async def report_together(self, *reports: tuple[str, str, str]) -> None:
        """Each (source, title, severity) published now, stored in one batch (one poll round)."""
        polls = [
            FeedItems(self.feeds[source], [self._item(source, title, severity)], True, self.clock.now)
            for source, title, severity in reports
        ]
        await store_new_items_of_feeds(self.db, polls)
        self.clock.now += timedelta(minutes=2)

    def _item(
        self, source: str, title: str, severity: str | None, entity: str = "sev_lake", day_only: bool = False
    ) -> NewItem:
        key = hashlib.sha256(f"{source}:{title}".encode()).hexdigest()
        at = title.find("Sev Lake")
        spans = ((at, at + 8, "Sev Lake"),) if at >= 0 else ((0, 1, title[:1]),)
        published = self.clock.now.replace(hour=12, minute=0) if day_only else self.clock.now
        return NewItem(
            FeedEntry(key, f"https://{source.lower()}.test/{key[:8]}", title, "", "en", published, day_only),
            key,
            key,
            min(published, self.clock.now),
            Classification((EntityMatch(entity, spans),), severity),
            day_only and published <= self.clock.now,
        )

    def requests(self, method: str, chat_id: int) -> list[dict[str, Any]]:
        return [p for m, p in self.telegram.requests if m == method and int(p.get("chat_id", 0)) == chat_id]


async def subscribe(db: Database, chat_id: int, *entities: str) -> None:
    await subscribe_chat(db, chat_id, *entities, chat_type="supergroup")


@pytest.fixture
async def rig(db: Database) -> AsyncIterator[Rig]:
    async with BotApiEmulator() as telegram:
        for chat_id in (GROUP, LATE, OTHER):
            telegram.add_chat(chat_id, "supergroup")
        clock = Clock(START)
        settings = load_settings(
            telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=db.url
        )
        ctx = BotContext(db=db, settings=settings, clock=clock, gazetteer=await load_gazetteer(db, settings))
        app = build_application(ctx)
        await app.initialize()
        feeds: dict[str, int] = {}
        async with db.transaction() as session:
            for index, name in enumerate(SOURCES):
                feed = Feed(url=f"https://feeds.test/{index}", title=name)
                session.add(feed)
                await session.flush()
                feeds[name] = feed.id
        await subscribe(db, GROUP, "sev_lake")
        try:
            yield Rig(db, telegram, clock, ctx, app, feeds)
        finally:
            await app.shutdown()


TITLES = (
    "Azerbaijani troops advance near Sev Lake, Armenian defence ministry says",
    "Armenian defence ministry says Azerbaijani troops advance near Sev Lake",
    "Azerbaijani troops advance near Sev Lake - Armenian defence ministry",
    "Defence ministry: Azerbaijani troops advance near Sev Lake",
    "Azerbaijani troops advance near Sev Lake, says Armenia's defence ministry",
)


async def test_n_sources_of_one_story_give_one_alert_and_n_minus_1_edits(rig: Rig) -> None:
    stories = set()
    for source, title in zip(SOURCES, TITLES, strict=True):
        stories.add((await rig.report(source, title)).story_id)
        await rig.deliver()
    assert len(stories) == 1
    (alert,) = rig.telegram.sent(GROUP)
    assert alert.edits == len(SOURCES) - 1
    assert len(rig.requests("sendMessage", GROUP)) == 1
    assert len(rig.requests("editMessageText", GROUP)) == len(SOURCES) - 1
    assert alert.text.splitlines()[0] == f"🟠 P2 {TITLES[0]}"
    assert "also reported by: Interfax, News.am (+2)" in alert.text.splitlines()
    assert [kind for kind, _, _ in await updates_for_chat(rig.db, GROUP)] == ["edit"] * 4


async def test_a_severity_jump_sends_one_reply_to_the_first_alert(rig: Rig) -> None:
    await rig.report(SOURCES[0], TITLES[0], "P3")
    await rig.deliver()
    await rig.report(SOURCES[1], TITLES[1], "P1")  # now fighting: the story is P1
    await rig.deliver()
    await rig.report(SOURCES[2], TITLES[2], "P1")  # same severity again: an edit, no second reply
    await rig.deliver()
    first, reply = rig.telegram.sent(GROUP)
    sent_first, sent_reply = rig.requests("sendMessage", GROUP)
    assert "P3" in sent_first["text"] and "reply_parameters" not in sent_first
    assert json.loads(sent_reply["reply_parameters"])["message_id"] == first.message_id
    assert reply.text.startswith(f"🔴 P1 {TITLES[1]}")
    assert "also reported by: Armenpress" in reply.text.splitlines()
    # the third source edits the first alert, which now shows the story as it stands: P1, three sources
    assert first.edits == 1 and first.text.startswith("🔴 P1")
    assert "also reported by: Interfax, News.am" in first.text.splitlines()
    assert [(kind, status) for kind, status, _ in await updates_for_chat(rig.db, GROUP)] == [
        ("reply", "sent"),
        ("edit", "sent"),
    ]


@pytest.mark.parametrize("one_round", [False, True], ids=["two-polls", "one-poll-round"])
async def test_two_rises_before_the_reply_is_sent_make_one_reply_at_the_level_reached(
    rig: Rig, one_round: bool
) -> None:
    """The story rises P3 → P2 → P1 (in two polls, or in one round) before the delivery loop gets to it: one
    reply, at P1, from the report that made it P1; a later P1 report is no reply (P1 was announced)."""
    await rig.report(SOURCES[0], TITLES[0], "P3")
    await rig.deliver()
    if one_round:
        await rig.report_together((SOURCES[1], TITLES[1], "P2"), (SOURCES[2], TITLES[2], "P1"))
    else:
        await rig.report(SOURCES[1], TITLES[1], "P2")
        await rig.report(SOURCES[2], TITLES[2], "P1")
    await rig.deliver()
    await rig.report(SOURCES[3], TITLES[3], "P1")
    await rig.deliver()
    alert, *replies = rig.telegram.sent(GROUP)
    assert [reply.text.splitlines()[0] for reply in replies] == [f"🔴 P1 {TITLES[2]}"]
    sent_reply = rig.requests("sendMessage", GROUP)[1]
    assert json.loads(sent_reply["reply_parameters"])["message_id"] == alert.message_id
    statuses = [status for kind, status, _ in await updates_for_chat(rig.db, GROUP) if kind == "reply"]
    assert statuses == ["sent"]


async def test_a_rise_to_p1_during_quiet_hours_is_not_held_behind_an_earlier_rise(rig: Rig) -> None:
    """In the chat's quiet hours (P1 passes) the story rises to P2, a reply held until they end; then to P1:
    the reply goes at once, at P1, and nothing more is sent when the quiet hours end."""
    await rig.report(SOURCES[0], TITLES[0], "P3")
    await rig.deliver()
    async with rig.db.transaction() as session:
        await session.execute(
            update(Chat)
            .where(Chat.id == GROUP)
            .values(quiet_start="06:00", quiet_end="12:00", quiet_tz="UTC", p1_breaks_quiet=True)
        )
    await rig.report(SOURCES[1], TITLES[1], "P2")
    await rig.deliver()
    assert len(rig.telegram.sent(GROUP)) == 1  # held
    await rig.report(SOURCES[2], TITLES[2], "P1")
    await rig.deliver()
    assert [m.text.splitlines()[0] for m in rig.telegram.sent(GROUP)[1:]] == [f"🔴 P1 {TITLES[2]}"]
    rig.clock.now = rig.clock.now.replace(hour=12, minute=30)
    await rig.deliver()
    assert len(rig.telegram.sent(GROUP)) == 2


async def test_a_chat_that_blocked_the_bot_has_its_edits_and_replies_dropped(rig: Rig) -> None:
    """The reader blocked the bot after its alert: the edit and the reply the story then queued are dropped
    at the first 403, never tried again, and another chat's alert of a new story still arrives."""
    await subscribe(rig.db, OTHER, "syunik")
    await rig.report(SOURCES[0], TITLES[0], "P3")
    await rig.deliver()
    rig.telegram.block_chat(GROUP)
    await rig.report(SOURCES[1], TITLES[1], "P3")  # an edit
    await rig.report(SOURCES[2], TITLES[2], "P1")  # a reply
    await rig.report(SOURCES[3], "Shelling near Kapan in Syunik, one soldier killed", "P1", entity="syunik")
    await rig.deliver()
    await rig.assert_nothing_tried_again()
    assert [(k, s) for k, s, _ in await updates_for_chat(rig.db, GROUP)] == [
        ("edit", "dropped"),
        ("reply", "dropped"),
    ]
    assert len(rig.telegram.sent(OTHER)) == 1


async def test_a_chat_that_subscribed_after_the_first_alert_gets_one_alert(rig: Rig) -> None:
    await rig.report(SOURCES[0], TITLES[0])
    await rig.deliver()
    await subscribe(rig.db, LATE, "*")
    await rig.report(SOURCES[1], TITLES[1])
    await rig.deliver()
    await rig.report(SOURCES[2], TITLES[2])
    await rig.deliver()
    (late,) = rig.telegram.sent(LATE)
    assert "also reported by: Armenpress, News.am" in late.text  # edited when the third source came
    assert late.edits == 1
    assert rig.telegram.sent(GROUP)[0].edits == 2 and len(rig.telegram.sent(GROUP)) == 1
    assert rig.telegram.sent(OTHER) == []


async def test_an_edit_that_fails_sends_nothing_else(rig: Rig) -> None:
    await rig.report(SOURCES[0], TITLES[0])
    await rig.deliver()
    rig.telegram.sent(GROUP)[0].deleted = True  # an admin deleted the alert
    await rig.report(SOURCES[1], TITLES[1])
    await rig.deliver()
    assert len(rig.requests("editMessageText", GROUP)) == 1
    assert len(rig.requests("sendMessage", GROUP)) == 1
    assert [(k, s) for k, s, _ in await updates_for_chat(rig.db, GROUP)] == [("edit", "skipped")]
    assert await rig.deliver() == 0


async def test_a_deleted_alert_neither_holds_the_chat_nor_is_tried_again(rig: Rig) -> None:
    """The chat deleted the alert, then the story rose to P1, another source reported it and another story
    broke: the rise arrives as a plain message (the message it would answer is gone), the edit is dropped
    after Telegram's "message to edit not found", the other story's alert arrives, and nothing is retried."""
    await subscribe(rig.db, GROUP, "syunik")
    await rig.report(SOURCES[0], TITLES[0], "P3")
    await rig.deliver()
    rig.telegram.sent(GROUP)[0].deleted = True
    await rig.report(SOURCES[1], TITLES[1], "P1")  # a reply
    await rig.report(SOURCES[2], TITLES[2], "P1")  # an edit
    await rig.report(SOURCES[3], "Shelling near Kapan in Syunik, one soldier killed", "P1", entity="syunik")
    await rig.deliver()
    await rig.assert_nothing_tried_again()
    other, rise = rig.telegram.sent(GROUP)  # a chat's new alerts go before its edits and replies
    assert rise.text.startswith(f"🔴 P1 {TITLES[1]}") and "reply_to_message" not in rise.raw
    assert other.text.startswith("🔴 P1 Shelling near Kapan")
    assert [(k, s) for k, s, _ in await updates_for_chat(rig.db, GROUP)] == [
        ("reply", "sent"),
        ("edit", "skipped"),
    ]


async def test_a_chat_with_alerts_off_gets_only_p1_alerts(rig: Rig) -> None:
    await digests.set_alerts(rig.db, GROUP, False)
    await rig.report(SOURCES[0], "Road to Sev Lake closed for repairs", "P4")
    await rig.deliver()
    assert rig.telegram.sent(GROUP) == []
    await rig.report(SOURCES[1], "Shooting near Sev Lake, two soldiers killed", "P1", entity="sev_lake")
    await rig.deliver()
    (alert,) = rig.telegram.sent(GROUP)
    assert alert.text.startswith("🔴 P1")


async def test_digests_arrive_once_at_the_set_time(rig: Rig) -> None:
    await subscribe(rig.db, OTHER, "syunik")
    await digests.set_alerts(rig.db, OTHER, False)
    await digests.set_digest(rig.db, OTHER, "08:00", rig.clock.now)  # 06:00 now
    job = DigestJob(rig.ctx, rig.app.bot, clock=rig.clock)
    await rig.report(SOURCES[0], "Shelling near Kapan in Syunik, one soldier killed", "P1", entity="syunik")
    await rig.report(SOURCES[1], "Shelling near Kapan in Syunik: a soldier killed", "P1", entity="syunik")
    await rig.report(SOURCES[2], "Syunik governor visits Goris school", "P4", entity="syunik")
    await rig.deliver()
    assert len(rig.telegram.sent(OTHER)) == 1  # the P1 alert came at once, the P4 story waits for the digest
    rig.clock.now = START.replace(hour=7, minute=59)
    assert await job.run_due() == 0
    rig.clock.now = START.replace(hour=8, minute=0)
    assert await job.run_due() == 1
    assert await job.run_due() == 0  # once
    digest = rig.telegram.sent(OTHER)[-1]
    lines = digest.text.splitlines()
    assert lines[0].startswith("Digest: 2 stories")
    assert "Syunik — 2 stories" in lines
    p1, p4 = (line for line in lines if line.startswith(("🔴", "⚪")))
    assert p1.startswith("🔴 P1 Shelling near Kapan") and p1.endswith("(2 sources)")
    assert p4.startswith("⚪ P4 Syunik governor") and p4.endswith("(1 source)")
    # the next day: only what is new since
    rig.clock.now = START + timedelta(days=1)
    await rig.report(SOURCES[3], "Syunik roads reopen", "P4", entity="syunik")
    rig.clock.now = START.replace(hour=8) + timedelta(days=1)
    assert await job.run_due() == 1
    assert rig.telegram.sent(OTHER)[-1].text.splitlines()[0].startswith("Digest: 1 story")
    assert len(rig.telegram.sent(OTHER)) == 3


async def test_a_group_that_became_a_supergroup_gets_its_digest_there_and_keeps_its_modes(rig: Rig) -> None:
    """A group with alerts off and a daily digest is upgraded to a supergroup (Telegram answers sends to the
    old id with migrate_to_chat_id). The digest goes to the supergroup at its time, and the chat keeps
    /alerts off and its digest when an alert moves it first."""
    for old, new in ((-5, -1005), (-6, -1006)):
        rig.telegram.add_chat(old, "group")
        rig.telegram.migrate_chat(old, new)
        await subscribe_chat(rig.db, old, "sev_lake", chat_type="group")
        await digests.set_alerts(rig.db, old, False)
        await digests.set_digest(rig.db, old, "08:00", rig.clock.now)  # 06:00 now
    job = DigestJob(rig.ctx, rig.app.bot, clock=rig.clock)
    await rig.report(SOURCES[0], "Road to Sev Lake closed for repairs", "P4")
    await rig.deliver()
    rig.clock.now = START.replace(hour=8, minute=0)
    assert await job.run_due() == 2
    for new in (-1005, -1006):
        (digest,) = rig.telegram.sent(new)
        assert digest.text.startswith("Digest: 1 story")
        assert await digests.chat_modes(rig.db, new) == digests.ChatModes(False, "08:00")
    assert await job.run_due() == 0  # once
    # a chat moved by its first alert rather than by its digest keeps its modes too
    rig.telegram.add_chat(-7, "group")
    rig.telegram.migrate_chat(-7, -1007)
    await subscribe_chat(rig.db, -7, "sev_lake", chat_type="group")
    await digests.set_alerts(rig.db, -7, False)
    await digests.set_digest(rig.db, -7, "08:00", rig.clock.now)
    await rig.report(SOURCES[1], "Shooting near Sev Lake, two soldiers killed", "P1")
    await rig.deliver()
    assert len(rig.telegram.sent(-1007)) == 1
    assert await digests.chat_modes(rig.db, -1007) == digests.ChatModes(False, "08:00")
    await rig.report(SOURCES[2], "Sev Lake beach reopens", "P4", entity="sev_lake")
    await rig.deliver()
    assert len(rig.telegram.sent(-1007)) == 1  # alerts are still off there: only P1


@pytest.mark.parametrize(("topic", "thread_kept"), [("deleted", None), ("closed", 42)])
async def test_a_digest_for_a_deleted_or_closed_forum_topic_arrives_in_the_general_topic(
    rig: Rig, topic: str, thread_kept: int | None
) -> None:
    # before: "message thread not found" or "TOPIC_CLOSED" was logged and the day's digest was lost, every day
    forum = -1009
    rig.telegram.add_chat(forum, "supergroup", is_forum=True)
    await subscribe_chat(rig.db, forum, "sev_lake", chat_type="supergroup")
    await chats.set_thread(rig.db, forum, 42)
    await digests.set_alerts(rig.db, forum, False)
    await digests.set_digest(rig.db, forum, "08:00", rig.clock.now)  # 06:00 now
    if topic == "deleted":
        rig.telegram.delete_topic(forum, 42)
    else:
        rig.telegram.close_topic(forum, 42, by=9)
    job = DigestJob(rig.ctx, rig.app.bot, clock=rig.clock)
    await rig.report(SOURCES[0], "Road to Sev Lake closed for repairs", "P4")
    await rig.deliver()
    rig.clock.now = START.replace(hour=8, minute=0)
    await job.run_due()
    rig.clock.now = START.replace(hour=8, minute=1)  # the next tick
    await job.run_due()
    (digest,) = rig.telegram.sent(forum)
    assert digest.text.startswith("Digest: 1 story") and digest.thread_id is None
    assert await job.run_due() == 0  # once
    info = await chats.get_chat(rig.db, forum)
    # a deleted topic is forgotten; a closed one is kept, as it can be reopened
    assert info is not None and info.thread_id == thread_kept


async def test_a_digest_for_a_group_where_the_bot_may_not_send_arrives_once_it_may(rig: Rig) -> None:
    # before: "not enough rights to send text messages" was logged and the day's digest was lost
    group = -1010
    rig.telegram.add_chat(group, "supergroup")
    await subscribe_chat(rig.db, group, "sev_lake", chat_type="supergroup")
    await digests.set_alerts(rig.db, group, False)
    await digests.set_digest(rig.db, group, "08:00", rig.clock.now)  # 06:00 now
    rig.telegram.restrict_bot(group, by=None)
    job = DigestJob(rig.ctx, rig.app.bot, clock=rig.clock)
    await rig.report(SOURCES[0], "Road to Sev Lake closed for repairs", "P4")
    await rig.deliver()

    def tries() -> int:
        sends = [p for m, p in rig.telegram.requests if m == "sendMessage"]
        return sum(1 for p in sends if str(p.get("chat_id")) == str(group))

    rig.clock.now = START.replace(hour=8, minute=0)
    assert await job.run_due() == 0
    rig.clock.now = START.replace(hour=8, minute=1)  # the next tick: not tried again so soon
    assert await job.run_due() == 0 and tries() == 1
    rig.telegram.unrestrict_bot(group, by=None)
    rig.clock.now = START.replace(hour=8, minute=5)
    assert await job.run_due() == 1
    (digest,) = rig.telegram.sent(group)
    assert digest.text.startswith("Digest: 1 story")
    assert await job.run_due() == 0  # once


async def test_story_digest_and_alerts_commands(db: Database) -> None:
    from tests.harness import ADMIN, STRANGER, running_bot

    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(ADMIN, "Ada")
        telegram.add_user(STRANGER, "Sam")
        async with running_bot(db, telegram) as chat:
            rig = Rig(db, telegram, Clock(START), chat.ctx, chat.application, {})
            async with db.transaction() as session:
                for index, name in enumerate(SOURCES[:3]):
                    feed = Feed(url=f"https://feeds.test/{index}", title=name)
                    session.add(feed)
                    await session.flush()
                    rig.feeds[name] = feed.id
            first = await rig.report(SOURCES[0], TITLES[0])
            second = await rig.report(SOURCES[1], TITLES[1])
            assert first.story_id == second.story_id and second.story_rule == "text"

            (answer,) = await chat.say(ADMIN, f"/story {first.story_id}")
            lines = answer.splitlines()
            assert lines[0] == f"Story {first.story_id} · P2 · 2 items, 2 sources"
            members = [index for index, line in enumerate(lines) if line.startswith("• ")]
            assert lines[members[0]].startswith(
                f"• #{first.id} [new] Armenpress, 2022-09-13 06:00 UTC, en: Azerbaijani troops"
            )
            assert lines[members[1]].startswith(
                f"• #{second.id} [text {second.story_score:g}] Interfax, 2022-09-13 06:02 UTC, en:"
            )
            # why it joined: the item it matched and what their signatures share
            assert lines[members[1] + 1].strip().startswith(f"matched #{first.id}; agreed: ")
            assert "place:sev_lake" in lines[members[1] + 1]
            # a source that gives only the day: its date without a fake time, and the day compared as a day
            rig.clock.now = START.replace(hour=13)
            dated = await rig.report(SOURCES[2], TITLES[0], day_only=True)
            assert dated.story_id == first.story_id
            (answer,) = await chat.say(ADMIN, f"/story {first.story_id}")
            lines = answer.splitlines()
            (line,) = [index for index, line in enumerate(lines) if line.startswith(f"• #{dated.id} ")]
            assert f"{SOURCES[2]}, 2022-09-13, en:" in lines[line]
            assert "times compared as whole days (a source gave only the date)" in lines[line + 1]
            assert "time:day" not in lines[line + 1]
            assert await chat.say(STRANGER, "/story 1") == ["Sorry, /story is only for bot admins."]
            assert await chat.say(ADMIN, "/story 999") == ["There is no story 999."]

            (answer,) = await chat.say(STRANGER, "/digest daily 8:30")
            assert answer.startswith("Digest daily at 08:30 UTC")
            (answer,) = await chat.say(STRANGER, "/alerts off")
            assert answer == "This chat gets P1 alerts only and a digest daily at 08:30 UTC."
            assert await digests.chat_modes(db, STRANGER) == digests.ChatModes(False, "08:30")
            (answer,) = await chat.say(STRANGER, "/digest at noon")
            assert answer.startswith("Usage: /digest daily HH:MM")


async def test_a_digest_that_cannot_be_made_is_quarantined_and_the_others_arrive(rig: Rig) -> None:
    """Digest times stored by an older version: garbage in GROUP (unreadable), Arabic-Indic digits in LATE
    (read as what they mean). GROUP's digest is set aside; LATE's and OTHER's arrive."""
    for chat_id in (GROUP, LATE, OTHER):
        await subscribe(rig.db, chat_id, "syunik")
    async with rig.db.transaction() as session:
        for chat_id, stored in ((GROUP, "x8:00"), (LATE, "٠٨:٠٠"), (OTHER, "08:00")):
            chat = await session.get(Chat, chat_id)
            assert chat is not None
            chat.digest_time, chat.digest_last_sent_at = stored, START - timedelta(days=1)
    await rig.report(SOURCES[2], "Syunik governor visits Goris school", "P4", entity="syunik")
    job = DigestJob(rig.ctx, rig.app.bot, clock=rig.clock)
    rig.clock.now = START.replace(hour=8)

    assert await job.run_due() == 2
    assert [m.text.splitlines()[0][:16] for m in rig.telegram.sent(LATE)] == ["Digest: 1 story,"]
    assert [m.text.splitlines()[0][:16] for m in rig.telegram.sent(OTHER)] == ["Digest: 1 story,"]
    assert rig.telegram.sent(GROUP) == []
    async with rig.db.transaction() as session:
        group = await session.get(Chat, GROUP)
        assert group is not None and (group.digest_error or "").startswith("quarantined: the digest time")
    assert (await quarantine_counts(rig.db)).digests == 1

    # setting the digest again stores a valid time and clears the quarantine
    await digests.set_digest(rig.db, GROUP, "٠٩:٣٠", rig.clock.now)
    assert await digests.chat_modes(rig.db, GROUP) == digests.ChatModes(True, "09:30")
    assert (await quarantine_counts(rig.db)).digests == 0
    with pytest.raises(ValueError):
        await digests.set_digest(rig.db, GROUP, "1٢:3x", rig.clock.now)


async def test_a_digest_hold_is_forgotten_once_it_has_passed_whatever_the_chat_did(rig: Rig) -> None:
    """The bot process remembers, per chat, when to try again a digest the chat refused (the bot may not post
    there). A chat that then turns its digest off, or is never heard from again, must not be remembered for
    the process's life: over months every such chat added one entry that nothing removed."""
    job = DigestJob(rig.ctx, rig.app.bot, clock=rig.clock)
    restricted = [-2001, -2002, -2003]
    for chat in restricted:
        rig.telegram.add_chat(chat, "group")
        rig.telegram.restrict_bot(chat, by=None)
        await subscribe_chat(rig.db, chat, "sev_lake", chat_type="group")
        await digests.set_alerts(rig.db, chat, False)
        await digests.set_digest(rig.db, chat, "08:00", rig.clock.now)  # 06:00 now
    await rig.report(SOURCES[0], "Road to Sev Lake closed for repairs", "P4")
    await rig.deliver()
    rig.clock.now = START.replace(hour=8, minute=0)
    assert await job.run_due() == 0
    assert len(job._held) == 3  # each digest waits
    for chat in restricted:
        await digests.set_digest(rig.db, chat, None, rig.clock.now)
    rig.clock.now += deliveries.HOLD_RETRY + timedelta(seconds=1)
    assert await job.run_due() == 0
    assert job._held == {}


def test_a_closed_topic_is_forgotten_once_its_check_is_due_even_if_its_chat_is_gone() -> None:
    """A topic found closed is remembered until REOPEN_CHECK passes; a chat that left, or a topic never
    written to again, must not stay remembered for the process's life."""
    topics = ClosedTopics()
    for chat in range(-3000, -3100, -1):
        topics.close(chat, 42, START)
    later = START + REOPEN_CHECK + timedelta(seconds=1)
    topics.close(-4000, 42, later)
    assert topics.route(-4000, 42, later) is None  # still closed
    assert list(topics._retry_at) == [(-4000, 42)]
