"""Field feedback end to end: the "Not about <entity>" button on alerts, /review and its fixes, /missed,
/reportbutton.

The real Application polls the Bot API emulator; items come from a loopback feed through the real poller
(classified by the gazetteer in force), alerts go out through the real delivery loop. Every test runs on a
fresh database, SQLite file and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from bot.commands import review
from bot.deliver import DeliveryLoop
from feeds import explain as why
from feeds.fetch import Fetcher
from feeds.ingest import FeedPoller
from feeds.parse import ParserPool
from storage.audit import count_audit
from storage.db import Database
from storage.feeds import add_feed, list_feeds
from storage.gazetteer import gazetteer_rows
from storage.migrate import upgrade
from storage.reports import open_reports
from tests.botapi.emulator import CALLBACK_ANSWER_SECONDS, BotApiEmulator, SentMessage
from tests.feedserver import FeedServer, rss, running
from tests.harness import ADMIN, START, STRANGER, Chat, running_bot

pytestmark = pytest.mark.usefixtures("fast_private_chats")


GROUP = -100500
MEMBER = 4004  # an ordinary member of GROUP
GROUP_ADMIN = 5005  # an admin of GROUP, not a bot admin

RESORT = "Sev Lake resort opens its spa season early"
CLASH = "Shots fired at positions near Sev Lake"


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(enforce_limits=False) as emulator:
        emulator.add_user(ADMIN, "Ada", username="ada")
        emulator.add_user(STRANGER, "Stan")
        emulator.add_user(MEMBER, "Mel")
        emulator.add_user(GROUP_ADMIN, "Gus")
        emulator.add_chat(GROUP, "supergroup", title="Border watchers")
        emulator.set_chat_admins(GROUP, [GROUP_ADMIN])
        yield emulator


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


@dataclass
class Field:
    """The bot, a feed whose items are polled and alerted, and helpers to press buttons."""

    chat: Chat
    feeds: FeedServer
    poller: FeedPoller
    feed_url: str
    _serial: int = 0

    @property
    def telegram(self) -> BotApiEmulator:
        return self.chat.telegram

    async def publish(self, *titles: str, link: str | None = None) -> list[tuple[str, ...]]:
        """New items on the feed (with `link`, else https://news.example/<n>), polled (classified by the
        gazetteer in force) and delivered; the entity ids each item was tagged with."""
        entries = []
        for title in titles:
            self._serial += 1
            entries.append((f"n{self._serial}", title, link or f"https://news.example/{self._serial}", ""))
        self.feeds.add("/border.xml", rss("Border", entries))
        [feed] = [f for f in await list_feeds(self.chat.ctx.db) if f.url == self.feed_url]
        result = await self.poller.poll(feed)
        await DeliveryLoop(self.chat.ctx, self.chat.application.bot, clock=self.chat.clock).run_until_idle()
        return [item.entity_ids for item in result.new_items]

    async def press(self, chat_id: int, user_id: int, message: SentMessage, data: str) -> dict[str, Any]:
        """`user_id` presses the button with `data` on `message`; returns the answer to the press."""
        before = len(self.telegram.callback_answers)
        self.telegram.inject_callback_query(chat_id, user_id, data, message_id=message.message_id)
        await self.telegram.wait_until(lambda: len(self.telegram.callback_answers) > before)
        return self.telegram.callback_answers[before]


@contextlib.asynccontextmanager
async def field(db: Database, telegram: BotApiEmulator, feeds: FeedServer) -> AsyncIterator[Field]:
    """The running bot with one feed whose first fetch (history) is done, ADMIN and STRANGER subscribed to
    Sev Lake in their private chats."""
    url = feeds.add("/border.xml", rss("Border", [("h0", "History item", "https://news.example/0", "")]))
    async with running_bot(db, telegram, allow_private_urls=True) as chat:
        feed, _ = await add_feed(db, url, now=START)
        for user in (ADMIN, STRANGER):
            await chat.say(user, "/start")
            await chat.say(user, "/subscribe sev_lake")
        fetcher = Fetcher(chat.ctx.settings)
        try:
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
                yield Field(chat, feeds, poller, url)
        finally:
            await fetcher.aclose()


def _alert(telegram: BotApiEmulator, chat_id: int, title: str) -> SentMessage:
    [message] = [m for m in telegram.sent(chat_id) if title in m.text]
    return message


def _buttons(message: SentMessage) -> list[tuple[str, str]]:
    return [
        (button["text"], button.get("callback_data", "")) for row in message.button_rows() for button in row
    ]


def _tags(chat: Chat, title: str) -> list[str]:
    return list(chat.ctx.gazetteer.classifier.classify(title).entity_ids)


# ------------------------------------------------------------------------------------ the button


async def test_an_admin_reports_an_alert_reviews_it_and_the_exclusion_tags_the_next_item(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    async with field(db, telegram, feed_server) as f:
        assert await f.publish(RESORT) == [("sev_lake",)]
        alert = _alert(telegram, ADMIN, RESORT)
        [(label, data)] = _buttons(alert)
        assert label == "Not about Sev Lake"
        assert data.startswith("na:") and data.endswith(":sev_lake")
        # an ordinary subscriber's alert has no button
        assert _buttons(_alert(telegram, STRANGER, RESORT)) == []

        answer = await f.press(ADMIN, ADMIN, alert, data)
        assert answer["text"].startswith("Thanks: reported as not about Sev Lake")
        again = await f.press(ADMIN, ADMIN, alert, data)
        assert again["text"] == "You already reported this as not about Sev Lake."
        [report] = await open_reports(db)
        assert (report.entity_id, report.user_id, report.chat_id, report.title) == (
            "sev_lake",
            ADMIN,
            ADMIN,
            RESORT,
        )

        heading, shown = await f.chat.send(ADMIN, "/review", replies=2)
        assert heading.text == "1 open report; the oldest 1 follow."
        assert f"Report #{report.id}: not about Sev Lake" in shown.text
        assert shown.entity_texts("bold")[-1] == "Sev Lake"  # the match, in its context
        assert RESORT in shown.text
        assert "Matched name: “Sev Lake”" in shown.text
        choices = _buttons(shown)
        assert [label for label, _ in choices] == [
            "Ignore it near «resort»",
            "Ignore it near «opens»",
            "Ignore it near «season»",
            "Disable the name «Sev Lake»",
            "Dismiss: the tag was right",
        ]

        audited_before = await count_audit(db)
        await f.press(ADMIN, ADMIN, shown, choices[0][1])
        await telegram.wait_until(lambda: shown.edits == 1)
        assert shown.text.startswith(f"Report #{report.id}: The name “Sev Lake” no longer tags Sev Lake when")
        assert shown.button_rows() == []
        assert await open_reports(db) == []
        [fix] = await list_alias_fixes_now(db)
        assert (fix.entity_id, fix.alias_text, fix.kind, fix.word) == (
            "sev_lake",
            "Sev Lake",
            "exclude",
            "resort",
        )
        # the decision's own entry (earlier commands were audited too; it is written after the edit)
        entry, *_ = await f.chat.audit(audited_before + 1)
        assert (entry.command, entry.outcome, entry.user_id) == ("review", "allowed", ADMIN)
        assert "resort" in (entry.detail or "")

        # effective for the very next item, without a restart; the same name elsewhere still tags
        assert await f.publish("New resort at Sev Lake hires staff", CLASH) == [(), ("sev_lake",)]
        # a second decision on the same report is refused politely
        late = await f.press(ADMIN, ADMIN, shown, choices[-1][1])
        assert late["text"] == "Someone decided this one already."

    # and after a restart
    async with running_bot(db, telegram) as restarted:
        assert _tags(restarted, "Sev Lake resort bookings") == []
        assert _tags(restarted, CLASH) == ["sev_lake"]


async def list_alias_fixes_now(db: Database) -> list[Any]:
    return list((await gazetteer_rows(db)).fixes)


async def test_disable_and_dismiss(db: Database, telegram: BotApiEmulator, feed_server: FeedServer) -> None:
    async with field(db, telegram, feed_server) as f:
        first = "Black Lake hotel: Azerbaijani tourists return"
        assert await f.publish(first, CLASH) == [("sev_lake",), ("sev_lake",)]
        for title in (first, CLASH):
            alert = _alert(telegram, ADMIN, title)
            await f.press(ADMIN, ADMIN, alert, _buttons(alert)[0][1])
        _heading, shown_first, shown_clash = await f.chat.send(ADMIN, "/review", replies=3)
        assert "Matched name: “Black Lake”" in shown_first.text

        disable = next(data for label, data in _buttons(shown_first) if label.startswith("Disable"))
        await f.press(ADMIN, ADMIN, shown_first, disable)
        await telegram.wait_until(lambda: shown_first.edits == 1)
        assert "“Black Lake” no longer tags Sev Lake" in shown_first.text
        dismiss = next(data for label, data in _buttons(shown_clash) if label.startswith("Dismiss"))
        await f.press(ADMIN, ADMIN, shown_clash, dismiss)
        await telegram.wait_until(lambda: shown_clash.edits == 1)
        assert shown_clash.text.endswith("Dismissed: the alert was about Sev Lake.")

        assert await open_reports(db) == []
        assert [(x.kind, x.alias_text) for x in await list_alias_fixes_now(db)] == [("disable", "Black Lake")]
        assert await f.publish("Azerbaijani soldiers dig in at Black Lake", "Troops near Sev Lake") == [
            (),
            ("sev_lake",),
        ]
        assert await f.chat.say(ADMIN, "/review") == [
            'No open reports. Alerts carry a "Not about …" button for admins.'
        ]
        # in the chat's language: the button under the alert and the replies
        await f.chat.say(ADMIN, "/lang ru")
        assert await f.chat.say(ADMIN, "/review") == [
            "Открытых жалоб нет. У администраторов под оповещениями есть кнопка «Не про …»."
        ]
        await f.publish("Shots fired near Sev Lake again")
        assert _buttons(_alert(telegram, ADMIN, "Shots fired near Sev Lake again"))[0][0] == "Не про Sev Lake"


async def test_review_and_missed_are_for_bot_admins_only(chat_db: tuple[Database, BotApiEmulator]) -> None:
    db, telegram = chat_db
    async with running_bot(db, telegram) as chat:
        assert await chat.say(STRANGER, "/review") == ["Sorry, /review is only for bot admins."]
        assert await chat.say(STRANGER, "/missed Troops at Sevlitch; sev_lake") == [
            "Sorry, /missed is only for bot admins."
        ]
        entries = await chat.audit(2)
        assert {(e.command, e.outcome) for e in entries} == {("review", "refused"), ("missed", "refused")}


@pytest.fixture
def chat_db(db: Database, telegram: BotApiEmulator) -> tuple[Database, BotApiEmulator]:
    return db, telegram


# ------------------------------------------------------------------------------------ /reportbutton


async def test_a_chat_admin_lets_everyone_report_and_a_member_press_is_recorded(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    async with field(db, telegram, feed_server) as f:
        await f.chat.say(GROUP_ADMIN, "/start", chat_id=GROUP)
        await f.chat.say(GROUP_ADMIN, "/subscribe sev_lake", chat_id=GROUP)
        assert await f.publish(CLASH) == [("sev_lake",)]
        plain = _alert(telegram, GROUP, CLASH)
        assert _buttons(plain) == []  # a group, the switch off: no button
        # a press on a stale or crafted button by a member is refused while the switch is off
        refused = await f.press(GROUP, MEMBER, plain, _buttons(_alert(telegram, ADMIN, CLASH))[0][1])
        assert refused == {
            "callback_query_id": refused["callback_query_id"],
            "text": "Only bot admins can report alerts in this chat.",
            "show_alert": True,
        }

        assert await f.chat.say(MEMBER, "/reportbutton on", chat_id=GROUP) == [
            "Only this group's admins can change who reports alerts."
        ]
        assert await f.chat.say(GROUP_ADMIN, "/reportbutton maybe", chat_id=GROUP) == [
            'Usage: /reportbutton on|off — let everyone here press "Not about …" under alerts'
        ]
        assert await f.chat.say(GROUP_ADMIN, "/reportbutton on", chat_id=GROUP) == [
            'Everyone here can now press "Not about …" under alerts; bot admins review the reports.'
        ]
        second = "Shelling reported near Sev Lake overnight"
        assert await f.publish(second) == [("sev_lake",)]
        alert = _alert(telegram, GROUP, second)
        [(label, data)] = _buttons(alert)
        assert label == "Not about Sev Lake"
        answer = await f.press(GROUP, MEMBER, alert, data)
        assert answer["text"].startswith("Thanks: reported as not about Sev Lake")
        [report] = await open_reports(db)
        assert (report.user_id, report.chat_id, report.title) == (MEMBER, GROUP, second)
        # crafted buttons: numbers Python or the database cannot take are out of date, not a failure
        for number in ("²", "9" * 30):
            odd = await f.press(GROUP, MEMBER, alert, f"{data.split(':')[0]}:{number}:sev_lake")
            assert odd["text"] == "This button is out of date."
        # a crafted button naming an alert sent to another chat reports nothing
        crafted = await f.press(GROUP, MEMBER, alert, _buttons(_alert(telegram, ADMIN, CLASH))[0][1])
        assert crafted["text"] == "This alert is no longer known."
        assert [r.id for r in await open_reports(db)] == [report.id]

        assert await f.chat.say(GROUP_ADMIN, "/reportbutton off", chat_id=GROUP) == [
            'Only bot admins can press "Not about …" here now.'
        ]
        third = "Gunfire heard at Sev Lake"
        await f.publish(third)
        assert _buttons(_alert(telegram, GROUP, third)) == []


# ------------------------------------------------------------------------------------ /missed


async def test_missed_explains_a_miss_and_the_offered_alias_tags_the_next_item(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    async with field(db, telegram, feed_server) as f:
        missed_title = "Troops seen near Sevlitch lake at dawn"
        assert await f.publish(missed_title) == [()]
        [answer] = await f.chat.send(ADMIN, "/missed https://news.example/1 sev_lake")
        assert answer.text.startswith(f"Sev Lake in “{missed_title}”:\nNot found.")
        assert "“Sevlitch” (name “Sevlich”, en): «Sevlitch» is not a form of «Sevlich»" in answer.text
        [[offer]] = answer.button_rows()
        assert offer["text"] == "Add «Sevlitch» as a name of Sev Lake"

        await f.press(ADMIN, ADMIN, answer, offer["callback_data"])
        await telegram.wait_for_messages(ADMIN, len(telegram.sent(ADMIN)) + 1)
        assert telegram.sent(ADMIN)[-1].text == "“Sevlitch” is now a name of Sev Lake."
        assert await f.publish("Shots near Sevlitch overnight") == [("sev_lake",)]
        stale = await f.press(ADMIN, ADMIN, answer, offer["callback_data"])
        assert stale["text"] == "This offer is out of date; run /missed again."

        # pasted text; a name that is there but kept out by its rules is explained
        [found] = await f.chat.send(ADMIN, "/missed Black Lake hotel opens; sev_lake")
        assert "Not found." in found.text
        assert "“Black Lake” (name “Black Lake”, en): it counts only beside one of:" in found.text
        assert found.button_rows() == []
        [hit] = await f.chat.send(ADMIN, "/missed Azerbaijani soldiers at Black Lake sev_lake")
        assert "Found: “Black Lake”." in hit.text
        assert await f.chat.say(ADMIN, "/missed https://news.example/404 sev_lake") == [
            "No stored item has that link; paste its headline instead."
        ]
        assert await f.chat.say(ADMIN, "/missed some text nowhere_land") == [
            "Name the entity at the end, e.g. /missed <text>; sev_lake"
        ]


async def test_missed_finds_the_stored_item_by_its_link_as_pasted_with_tracking_fragment_or_armenian_path(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    # Stored links are canonical (host lower-cased, no :443, no fragment, no utm_*, the path percent-encoded).
    # Before: /missed looked up the link as typed, so each of these answered "No stored item has that link".
    async with field(db, telegram, feed_server) as f:
        title = "Troops seen near Sevlitch lake at dawn"
        assert await f.publish(title, link="https://armenpress.am/hy/article/ԱԲ?id=7") == [()]
        for pasted in (
            "https://armenpress.am/hy/article/ԱԲ?id=7",
            "https://Armenpress.AM/hy/article/ԱԲ?id=7&utm_source=tg",
            "https://armenpress.am:443/hy/article/ԱԲ?id=7#comments",
            "https://armenpress.am/hy/article/%D4%B1%D4%B2?id=7",
        ):
            [answer] = await f.chat.send(ADMIN, f"/missed {pasted} sev_lake")
            assert answer.text.startswith(f"Sev Lake in “{title}”:\nNot found."), pasted
        assert await f.chat.say(ADMIN, "/missed https://armenpress.am/hy/article/ԱԲ?id=8 sev_lake") == [
            "No stored item has that link; paste its headline instead."
        ]


async def test_other_chats_are_answered_while_missed_is_still_explaining_a_text(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Near matches in a long article take seconds (9 s for the Lachin corridor's 185 names in a 20,000-
    # character summary). Before: /missed explained on the event loop, so nothing else ran meanwhile: no
    # alert, no other chat's command. Here the explanation waits until the other chat has its answer.
    explaining, other_answered = threading.Event(), threading.Event()
    waited_for_the_other_chat: list[bool] = []
    explain = why.explain

    def explain_after_the_other_chat(*arguments: Any) -> why.Explanation:
        explaining.set()
        waited_for_the_other_chat.append(other_answered.wait(timeout=5))
        return explain(*arguments)

    monkeypatch.setattr(why, "explain", explain_after_the_other_chat)
    async with field(db, telegram, feed_server) as f:
        before = len(telegram.sent(ADMIN))
        telegram.inject_command(ADMIN, ADMIN, "/missed Troops seen near Sevlitch lake at dawn; sev_lake")
        assert await asyncio.to_thread(explaining.wait, 10)
        [other] = await f.chat.send(STRANGER, "/mysubs")
        assert len(telegram.sent(ADMIN)) == before  # /missed has not answered yet
        other_answered.set()
        [answer] = (await telegram.wait_for_messages(ADMIN, before + 1))[before:]
        assert other.text
        assert answer.text.startswith("Sev Lake in “Troops seen near Sevlitch lake at dawn”:\nNot found.")
        assert waited_for_the_other_chat == [True]


async def test_a_button_the_bot_gets_to_after_telegrams_answer_window_still_does_what_it_says(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    # The bot reached the press 20 s after it was made (a backlog after a restart, a busy chat): Telegram
    # refuses answerCallbackQuery then. Before: the refusal stopped the handler after it had taken the offer,
    # so the alias was never added, nothing was said, and pressing again found the offer out of date.
    async with field(db, telegram, feed_server) as f:
        assert await f.publish("Troops seen near Sevlitch lake at dawn") == [()]
        [answer] = await f.chat.send(ADMIN, "/missed https://news.example/1 sev_lake")
        [[offer]] = answer.button_rows()
        before = len(telegram.sent(ADMIN))
        telegram.inject_callback_query(
            ADMIN,
            ADMIN,
            offer["callback_data"],
            message_id=answer.message_id,
            age=CALLBACK_ANSWER_SECONDS + 5,
        )
        await telegram.wait_for_messages(ADMIN, before + 1)
        assert telegram.sent(ADMIN)[-1].text == "“Sevlitch” is now a name of Sev Lake."
        assert telegram.stats["error_400"] == 1  # the late answer, and no second try
        assert await f.publish("Shots near Sevlitch overnight") == [("sev_lake",)]


async def test_missed_reads_a_stored_item_in_its_language_and_pasted_text_in_the_one_it_is_written_in(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer
) -> None:
    async with field(db, telegram, feed_server) as f:
        # the feed is in English: "Susa" there is the town in Piedmont, not Şuşa written without its letters
        title = "Festival of Susa opens in Piedmont"
        assert await f.publish(title) == [()]
        [stored] = await f.chat.send(ADMIN, "/missed https://news.example/1 shusha")
        assert stored.text.startswith(f"Shusha in “{title}”:\nNot found.")
        assert "“Susa” (name “Şuşa”, az): «Susa» is not a form of «Şuşa»" in stored.text
        # pasted text is read in the language it is written in, as an item of a feed that declares none:
        # the English headline is English, and Azerbaijani written without its letters is Azerbaijani
        [english] = await f.chat.send(ADMIN, f"/missed {title}; shusha")
        assert english.text.startswith(f"Shusha in “{title}”:\nNot found.")
        letter_free = "Prezident Susada yeni mektebin acilisinda istirak edib"
        [azerbaijani] = await f.chat.send(ADMIN, f"/missed {letter_free}; shusha")
        assert "Found: “Susada”." in azerbaijani.text


async def test_only_the_newest_missed_offers_are_kept_and_an_older_button_is_out_of_date(
    db: Database, telegram: BotApiEmulator, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review, "MISSED_OFFERS_KEPT", 2, raising=False)
    async with field(db, telegram, feed_server) as f:
        answers = []
        for _ in range(3):  # an admin who never presses the buttons
            [answer] = await f.chat.send(ADMIN, "/missed Troops seen near Sevlitch lake at dawn; sev_lake")
            answers.append(answer)
        assert len(f.chat.ctx.missed_offers) == 2
        [[oldest]], [[newest]] = answers[0].button_rows(), answers[-1].button_rows()
        stale = await f.press(ADMIN, ADMIN, answers[0], oldest["callback_data"])
        assert stale["text"] == "This offer is out of date; run /missed again."
        await f.press(ADMIN, ADMIN, answers[-1], newest["callback_data"])
        await telegram.wait_for_messages(ADMIN, len(telegram.sent(ADMIN)) + 1)
        assert telegram.sent(ADMIN)[-1].text == "“Sevlitch” is now a name of Sev Lake."


# ------------------------------------------------------------------------------------ migration 0010


async def test_migration_0010_keeps_chats_and_starts_with_the_button_off(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0004")
    old = Database(url)
    try:
        async with old.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO chats (id, type, active, quiet_tz, p1_breaks_quiet, created_at)"
                    " VALUES (7, 'private', true, 'UTC', true, '2025-01-01 00:00:00')"
                )
            )
    finally:
        await old.dispose()
    await upgrade(url, "head")
    new = Database(url)
    try:
        async with new.transaction() as session:
            rows = (await session.execute(text("SELECT id, report_button FROM chats"))).all()
            assert [(row[0], bool(row[1])) for row in rows] == [(7, False)]
        assert await open_reports(new) == []
    finally:
        await new.dispose()
