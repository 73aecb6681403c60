"""User commands end to end: a user types in Telegram (the Bot API emulator), the real Application answers.

Each test runs the Application of bot.app.build_application with the real gazetteer (config/entities.yaml,
loaded as the runtime loads it) on a fresh database (SQLite file and PostgreSQL), with a hand-moved clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.commands import USER_COMMANDS
from feeds.model import Classification, EntityMatch, FeedEntry, NewItem
from feeds.store import store_new_items
from storage.chats import get_chat, list_subscriptions
from storage.db import Database
from storage.models import ALL_ENTITIES, Chat, Delivery, Feed
from tests.botapi.emulator import BotApiEmulator
from tests.botapi.telegram_html import utf16_length
from tests.harness import ADMIN, START, Bot, running_user_bot

USER = 2002
OTHER = 3003
GROUP = -100500
FORUM = -100600
CHANNEL = -100700
GROUP_REFUSAL = "Only this group's admins can change its subscriptions."


pytestmark = pytest.mark.usefixtures("fast_private_chats")


@pytest.fixture
async def bot_chat(db: Database) -> AsyncIterator[Bot]:
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(ADMIN, "Ada")
        telegram.add_user(USER, "Uma")
        telegram.add_user(OTHER, "Oleg")
        telegram.add_chat(GROUP, "group", title="Border group")
        telegram.set_chat_admins(GROUP, [ADMIN])
        telegram.add_chat(FORUM, "supergroup", title="Forum", is_forum=True)
        telegram.set_chat_admins(FORUM, [ADMIN])
        telegram.add_chat(CHANNEL, "channel", title="Alerts channel")
        async with running_user_bot(db, telegram) as running:
            yield running


# ------------------------------------------------------------------------------------ start and help


async def test_start_registers_the_chat_and_help_gives_an_example_per_command(bot_chat: Bot) -> None:
    answer = await bot_chat.say(USER, "/start")
    assert "Armenia–Azerbaijan border" in answer and "/subscribe" in answer and "/help" in answer
    chat = await get_chat(bot_chat.ctx.db, USER)
    assert chat is not None and (chat.type, chat.active) == ("private", True)

    group_answer = await bot_chat.say(ADMIN, "/start", chat_id=GROUP)
    assert "only admins can change subscriptions" in group_answer
    group = await get_chat(bot_chat.ctx.db, GROUP)
    assert group is not None and (group.type, group.title) == ("group", "Border group")

    lines = (await bot_chat.say(USER, "/help")).splitlines()
    for name, _callback, _description in USER_COMMANDS:
        if name in ("start", "help"):
            continue
        assert any(line.startswith(f"/{name}") for line in lines), name
    assert "/subscribe Lachin corridor, csto" in "\n".join(lines)


# ------------------------------------------------------------------------------------ subscribe by name


async def test_subscribe_by_aliases_in_every_language_case_and_inflection(bot_chat: Bot) -> None:
    db = bot_chat.ctx.db
    assert await bot_chat.say(USER, "/subscribe Лачинский коридор") == "Subscribed to Lachin corridor."
    assert await bot_chat.say(USER, "/subscribe CSTO, Սև լճի") == "Subscribed to CSTO, Sev Lake."
    # Azerbaijani locative and Russian prepositional forms, separated only by a space
    answer = await bot_chat.say(USER, "/subscribe Laçın dəhlizində Горисе")
    assert answer == "Subscribed to Goris.\nAlready subscribed to Lachin corridor."
    assert await bot_chat.say(USER, "/subscribe@borderwatch_bot sev_lake ОДКБ") == (
        "Already subscribed to Sev Lake, CSTO."
    )
    assert await list_subscriptions(db, USER) == ["csto", "goris", "lachin_corridor", "sev_lake"]
    assert await bot_chat.say(USER, "/mysubs") == (
        "This chat follows 4: CSTO, Goris, Lachin corridor, Sev Lake.\nQuiet hours: off."
    )

    assert await bot_chat.say(USER, "/unsubscribe qaragöldə, goris") == "Unsubscribed from Sev Lake, Goris."
    assert await bot_chat.say(USER, "/unsubscribe Goris") == "Not subscribed to Goris."
    assert await list_subscriptions(db, USER) == ["csto", "lachin_corridor"]


async def test_unknown_names_get_suggestions_and_typed_text_comes_back_escaped(bot_chat: Bot) -> None:
    answer = await bot_chat.say(USER, "/subscribe Sev Lak")
    assert answer == "Unknown entity “Sev Lak”. Did you mean Sev Lake? /entities lists them all."

    answer = await bot_chat.say(USER, "/subscribe goris, Zangezur corridr")
    assert answer.splitlines()[0] == "Subscribed to Goris."
    assert answer.splitlines()[1].startswith(
        "Unknown entity “Zangezur corridr”. Did you mean Zangezur corridor"
    )

    reply = await bot_chat.send(USER, "/subscribe <b>Bold</b> & <i>")
    assert reply.text.startswith("Unknown entity “<b>Bold</b> & <i>”.")
    assert reply.entity_texts("bold") == []
    assert await list_subscriptions(bot_chat.ctx.db, USER) == ["goris"]

    assert (
        await bot_chat.say(USER, "/subscribe ,;,")
        == "Usage: /subscribe [entity …|all] — e.g. /subscribe Sev Lake, Lachin corridor"
    )
    assert (
        await bot_chat.say(USER, "/unsubscribe ;")
        == "Usage: /unsubscribe [entity …|all] — e.g. /unsubscribe sev_lake"
    )


async def test_a_lone_surrogate_in_a_command_gets_the_commands_own_answer(bot_chat: Bot) -> None:
    # a JSON update can carry "\\ud800": before, every reply quoting it failed to encode and the user got
    # "Sorry, that command failed on our side" instead
    assert (await bot_chat.say(USER, "/subscribe goris, Sev\ud800")).splitlines() == [
        "Subscribed to Goris.",
        "Unknown entity “Sev\ufffd”. Did you mean Sev Lake? /entities lists them all.",
    ]
    unknown = await bot_chat.say(USER, "/status \udc00x")
    assert unknown == "Unknown entity “\ufffdx”. /entities lists them all."
    assert await list_subscriptions(bot_chat.ctx.db, USER) == ["goris"]


async def test_subscribe_all_then_leave_one_out_then_unsubscribe_all(bot_chat: Bot) -> None:
    db = bot_chat.ctx.db
    assert (
        await bot_chat.say(USER, "/subscribe all")
        == "Subscribed to all entities, including ones added later."
    )
    assert await list_subscriptions(db, USER) == [ALL_ENTITIES]
    assert await bot_chat.say(USER, "/mysubs") == (
        "This chat follows all entities, including ones added later.\nQuiet hours: off."
    )
    assert await bot_chat.say(USER, "/unsubscribe Goris") == "Unsubscribed from Goris."
    remaining = await list_subscriptions(db, USER)
    every_id = [entity.id for entity in bot_chat.ctx.gazetteer.entities]
    assert remaining == sorted(set(every_id) - {"goris"})
    assert await bot_chat.say(USER, "/unsubscribe all") == "Unsubscribed from everything."
    assert await list_subscriptions(db, USER) == []
    assert (
        await bot_chat.say(USER, "/mysubs") == "This chat follows nothing yet. /subscribe to pick entities."
    )


# ------------------------------------------------------------------------------------ the keyboard


async def test_keyboard_pages_through_entities_and_toggles_them(bot_chat: Bot) -> None:
    db = bot_chat.ctx.db
    entities = bot_chat.ctx.gazetteer.entities
    keyboard = await bot_chat.send(USER, "/subscribe")
    assert (
        keyboard.text == f"Tap an entity to subscribe or unsubscribe. This chat follows 0 of {len(entities)}."
    )
    rows = keyboard.button_rows()
    buttons = [button for row in rows[:-1] for button in row]
    assert [button["text"] for button in buttons] == [entity.name for entity in entities[:10]]
    assert [button["text"] for button in rows[-1]] == ["◀", "1/4", "▶"]

    first = buttons[0]
    answer = await bot_chat.press(USER, USER, first["callback_data"], keyboard.message_id)
    assert answer["text"] == f"Subscribed to {entities[0].name}."
    await bot_chat.telegram.wait_until(lambda: bot_chat.telegram.sent(USER)[-1].edits == 1)
    edited = bot_chat.telegram.sent(USER)[-1]
    assert (
        edited.text == f"Tap an entity to subscribe or unsubscribe. This chat follows 1 of {len(entities)}."
    )
    assert edited.button_rows()[0][0]["text"] == f"✅ {entities[0].name}"
    assert await list_subscriptions(db, USER) == [entities[0].id]

    await bot_chat.press(USER, USER, rows[-1][2]["callback_data"], keyboard.message_id)
    await bot_chat.telegram.wait_until(lambda: bot_chat.telegram.sent(USER)[-1].edits == 2)
    page_two = bot_chat.telegram.sent(USER)[-1].button_rows()
    assert page_two[0][0]["text"] == entities[10].name
    assert page_two[-1][1]["text"] == "2/4"

    answer = await bot_chat.press(USER, USER, first["callback_data"], keyboard.message_id)
    assert answer["text"] == f"Unsubscribed from {entities[0].name}."
    assert await list_subscriptions(db, USER) == []


# ------------------------------------------------------------------------------- groups, topics, channels


async def test_in_a_group_only_chat_admins_change_subscriptions(bot_chat: Bot) -> None:
    db = bot_chat.ctx.db
    assert await bot_chat.say(USER, "/subscribe goris", chat_id=GROUP) == GROUP_REFUSAL
    assert await bot_chat.say(USER, "/unsubscribe all", chat_id=GROUP) == GROUP_REFUSAL
    assert await bot_chat.say(USER, "/subscribe", chat_id=GROUP) == GROUP_REFUSAL
    assert await bot_chat.say(USER, "/quiet 22:00-06:00", chat_id=GROUP) == (
        "Only this group's admins can change its quiet hours."
    )
    assert await list_subscriptions(db, GROUP) == []

    keyboard = await bot_chat.send(ADMIN, "/subscribe", chat_id=GROUP)
    data = keyboard.button_rows()[0][0]["callback_data"]
    refused = await bot_chat.press(USER, GROUP, data, keyboard.message_id)
    assert (refused["text"], refused["show_alert"]) == (GROUP_REFUSAL, True)
    assert await list_subscriptions(db, GROUP) == []

    assert await bot_chat.say(ADMIN, "/subscribe goris", chat_id=GROUP) == "Subscribed to Goris."
    # anyone may look
    assert (await bot_chat.say(USER, "/mysubs", chat_id=GROUP)).startswith("This chat follows 1: Goris.")
    assert await list_subscriptions(db, GROUP) == ["goris"]


async def test_forum_topic_where_subscribe_was_sent_gets_the_alerts(bot_chat: Bot) -> None:
    reply = await bot_chat.send(ADMIN, "/subscribe Syunik", chat_id=FORUM, thread_id=77)
    assert reply.text == "Subscribed to Syunik.\nAlerts will arrive in this topic."
    assert reply.thread_id == 77
    chat = await get_chat(bot_chat.ctx.db, FORUM)
    assert chat is not None and (chat.type, chat.thread_id) == ("supergroup", 77)
    await bot_chat.send(ADMIN, "/subscribe goris", chat_id=FORUM, thread_id=12)
    chat = await get_chat(bot_chat.ctx.db, FORUM)
    assert chat is not None and chat.thread_id == 12

    # the keyboard answers in its topic, and a press there moves alerts to that topic
    keyboard = await bot_chat.send(ADMIN, "/subscribe", chat_id=FORUM, thread_id=31)
    assert keyboard.thread_id == 31
    answer = await bot_chat.press(
        ADMIN, FORUM, keyboard.button_rows()[0][0]["callback_data"], keyboard.message_id
    )
    assert answer["text"].startswith("Subscribed to ")
    chat = await get_chat(bot_chat.ctx.db, FORUM)
    assert chat is not None and chat.thread_id == 31


async def test_a_group_upgraded_to_a_supergroup_keeps_its_subscriptions_there_at_once(bot_chat: Bot) -> None:
    # Telegram tells the bot with a service message in the old group (migrate_to_chat_id). Before, the chat
    # moved only when an alert to the old id failed: until then the supergroup "followed nothing", and what
    # its admins set there (/quiet, /lang, /digest) was dropped by the later move
    old, new = -500, -1000000000500
    bot_chat.telegram.add_chat(old, "group", title="Border watchers")
    bot_chat.telegram.set_chat_admins(old, [ADMIN])
    assert await bot_chat.say(ADMIN, "/subscribe goris", chat_id=old) == "Subscribed to Goris."
    assert await bot_chat.say(ADMIN, "/quiet 23:00-07:00", chat_id=old) != ""
    bot_chat.telegram.migrate_chat(old, new)
    chat = bot_chat.telegram.chats[old]
    bot_chat.telegram.inject_update(
        {
            "message": {
                "message_id": 99,
                "date": 0,
                "chat": chat,
                "from": bot_chat.telegram.users[ADMIN],
                "migrate_to_chat_id": new,
            }
        }
    )
    # the service message and the command are in two chats, handled side by side: the command comes once
    # the service message was handled (its chat answers nothing to it)
    for _attempt in range(300):
        if not await list_subscriptions(bot_chat.ctx.db, old):
            break
        await asyncio.sleep(0.01)
    answer = await bot_chat.say(ADMIN, "/mysubs", chat_id=new)
    assert answer.splitlines() == [
        "This chat follows 1: Goris.",
        "Quiet hours: 23:00–07:00 UTC; P1 alerts still come through.",
    ]


async def test_a_channel_subscribes_by_posting_the_command(bot_chat: Bot) -> None:
    assert await bot_chat.say(ADMIN, "/subscribe kapan", chat_id=CHANNEL) == "Subscribed to Kapan."
    chat = await get_chat(bot_chat.ctx.db, CHANNEL)
    assert chat is not None and chat.type == "channel"
    assert await list_subscriptions(bot_chat.ctx.db, CHANNEL) == ["kapan"]


# ------------------------------------------------------------------------------------ quiet hours

QUIET_USAGE = "Usage: /quiet HH:MM-HH:MM [zone] | off | p1 on|off — e.g. /quiet 23:00-07:00 Asia/Yerevan"


async def test_quiet_hours_are_parsed_stored_and_explained(bot_chat: Bot) -> None:
    db = bot_chat.ctx.db
    assert await bot_chat.say(USER, "/quiet") == f"Quiet hours: off.\n{QUIET_USAGE}"
    answer = await bot_chat.say(USER, "/quiet 23:00-07:00")
    assert answer == (
        "Quiet hours 23:00–07:00 UTC: alerts are held and sent when the window ends. "
        "P1 alerts still come through (/quiet p1 off holds them too)."
    )
    chat = await get_chat(db, USER)
    assert chat is not None and (chat.quiet_start, chat.quiet_end, chat.quiet_tz) == ("23:00", "07:00", "UTC")

    assert (await bot_chat.say(USER, "/quiet 1:30 - 6:05 Asia/Yerevan")).startswith(
        "Quiet hours 01:30–06:05 Asia/Yerevan:"
    )
    assert await bot_chat.say(USER, "/quiet p1 off") == "P1 alerts will be held during quiet hours too."
    chat = await get_chat(db, USER)
    assert chat is not None
    assert (chat.quiet_start, chat.quiet_end, chat.quiet_tz, chat.p1_breaks_quiet) == (
        "01:30",
        "06:05",
        "Asia/Yerevan",
        False,
    )
    assert await bot_chat.say(USER, "/quiet") == (
        f"Quiet hours: 01:30–06:05 Asia/Yerevan; P1 alerts are held too.\n{QUIET_USAGE}"
    )

    zone_hint = "Use an IANA name such as Asia/Yerevan, Asia/Baku or Europe/Moscow."
    errors = {
        "/quiet 24:00-07:00": (
            "“24:00-07:00” is not a time window: hours go from 00 to 23, minutes from 00 to 59."
        ),
        "/quiet 23:00-23:00": "The quiet window must not start and end at the same time.",
        "/quiet 23:00-07:00 Mars/Olympus": f"Unknown time zone “Mars/Olympus”. {zone_hint}",
        "/quiet 23:00-07:00 ../../etc/passwd": f"Unknown time zone “../../etc/passwd”. {zone_hint}",
        "/quiet tonight": QUIET_USAGE,
        "/quiet 2300-0700": QUIET_USAGE,
        "/quiet p1 maybe": QUIET_USAGE,
        "/quiet <b>x</b>": QUIET_USAGE,
    }
    for command, expected in errors.items():
        assert await bot_chat.say(USER, command) == expected, command
    chat = await get_chat(db, USER)
    assert chat is not None and (chat.quiet_start, chat.quiet_tz) == ("01:30", "Asia/Yerevan")

    assert await bot_chat.say(USER, "/quiet off") == "Quiet hours off: alerts arrive as they happen."
    assert await bot_chat.say(USER, "/quiet p1 on") == "P1 alerts will come through during quiet hours."
    chat = await get_chat(db, USER)
    assert chat is not None and (chat.quiet, chat.p1_breaks_quiet) == (False, True)


async def test_times_in_any_script_are_read_and_stored_as_ascii_and_bad_zones_refused(bot_chat: Bot) -> None:
    db = bot_chat.ctx.db
    for typed in ("٢٣:٠٠-٠٧:٠٠", "２３：００－０７：００", "२३:००-०७:००"):
        answer = await bot_chat.say(USER, f"/quiet {typed} asia/yerevan")
        assert answer.startswith("Quiet hours 23:00–07:00 Asia/Yerevan:"), typed
        chat = await get_chat(db, USER)
        assert chat is not None
        assert (chat.quiet_start, chat.quiet_end, chat.quiet_tz) == ("23:00", "07:00", "Asia/Yerevan")

    zone_hint = "Use an IANA name such as Asia/Yerevan, Asia/Baku or Europe/Moscow."
    long_zone = "Asia/" + "x" * 3000
    for zone in (long_zone, "Europe", "Asia/../Asia/Yerevan", "/etc/localtime", "UTC/"):
        answer = await bot_chat.say(USER, f"/quiet 23:00-07:00 {zone}")
        assert answer.startswith("Unknown time zone “") and answer.endswith(zone_hint), zone

    answer = await bot_chat.say(USER, "/digest daily 1٢:3٠")
    assert answer.startswith("Digest daily at 12:30 UTC")
    assert (await get_chat(db, USER)) is not None
    answer = await bot_chat.say(USER, "/digest daily 2٥:00")
    assert answer.startswith("“2٥:00” is not a time of day (00:00 to 23:59).\nUsage: /digest daily HH:MM")


async def test_admins_see_quarantined_rows_in_status(bot_chat: Bot) -> None:
    await bot_chat.say(USER, "/subscribe sev lake")
    await _store_history(bot_chat.ctx.db)
    async with bot_chat.ctx.db.transaction() as session:
        row = (await session.scalars(select(Delivery).where(Delivery.status == "dead"))).one()
        row.status, row.last_error = "quarantine", "quarantined: test"
        chat = await session.get(Chat, USER)
        assert chat is not None
        chat.digest_time, chat.digest_error = "08:00", "quarantined: test"
    await bot_chat.say(ADMIN, "/subscribe goris")
    lines = (await bot_chat.say(ADMIN, "/status")).splitlines()
    assert lines[-2:] == [
        "Deliveries: 0 pending, 0 dead.",
        "Quarantined (cannot be processed; the error is kept with each): "
        "1 alerts, 0 alert updates, 1 digests.",
    ]
    assert "Quarantined" not in await bot_chat.say(USER, "/status")


# ------------------------------------------------------------------------------------ history

# title, entities, severity, hours before START, feed index
HISTORY: list[tuple[str, tuple[str, ...], str | None, float, int]] = [
    ('Shots fired near Sev Lake <again> & "again"', ("sev_lake",), "P1", 1, 0),
    ("Обстрел у озера Сев", ("sev_lake",), "P2", 5, 1),
    ("Goris market reopens", ("goris",), None, 2, 0),
    ("Սև լճի մոտ կրակոցներ", ("sev_lake",), "P3", 30, 1),
    ("Qaragöl yaxınlığında atəş", ("sev_lake",), "P2", 24 * 3 + 1, 1),
    ("Sev Lake talks, weeks ago", ("sev_lake",), "P4", 24 * 20, 0),
]


async def _store_history(db: Database) -> None:
    async with db.transaction() as session:
        feeds = [
            Feed(url="https://news.example.am/rss", title="News AM"),
            Feed(url="https://news.example.az/rss", title="feed title", title_override="News AZ"),
            Feed(url="https://broken.example/rss", title="Broken Feed", consecutive_failures=4),
        ]
        session.add_all(feeds)
        if await session.get(Chat, USER) is None:
            session.add(Chat(id=USER, type="private"))
        await session.flush()
    for index, (title, entities, severity, hours, feed) in enumerate(HISTORY):
        item = NewItem(
            entry=FeedEntry(
                guid=f"g{index}",
                link=f"https://news.example/{index}",
                title=title,
                summary="border report",
                language=None,
                published=None,
            ),
            identity_key=f"{index:064d}",
            content_hash=f"{index:064d}",
            published=START - timedelta(hours=hours),
            classification=Classification(
                entities=tuple(EntityMatch(entity_id=e, spans=()) for e in entities), severity=severity
            ),
        )
        [stored] = await store_new_items(db, feeds[feed].id, [item], alert=False, now=START)
        async with db.transaction() as session:
            if index == 0:
                session.add(
                    Delivery(
                        chat_id=USER,
                        story_id=stored.story_id,
                        item_id=stored.id,
                        severity="P1",
                        status="sent",
                        sent_at=START - timedelta(minutes=50),
                    )
                )
            if index == 1:
                session.add(
                    Delivery(chat_id=USER, story_id=stored.story_id, item_id=stored.id, status="dead")
                )


async def test_status_counts_subscribed_entities_and_shows_admins_the_machinery(bot_chat: Bot) -> None:
    await bot_chat.say(USER, "/subscribe sev lake, goris, kapan")
    await _store_history(bot_chat.ctx.db)
    answer = await bot_chat.say(USER, "/status")
    assert answer.splitlines() == [
        "Status at 2026-05-01 12:00 UTC",
        "Goris — 24 h: 1 (unrated 1) · 7 d: 1 (unrated 1)",
        "Sev Lake — 24 h: 2 (P1 1, P2 1) · 7 d: 4 (P1 1, P2 2, P3 1)",
        "Nothing in 7 days: Kapan.",
        'Latest alert: • [P1] Shots fired near Sev Lake <again> & "again" — News AM, 2026-05-01 11:10 UTC',
    ]
    await bot_chat.say(ADMIN, "/subscribe goris")
    admin_answer = (await bot_chat.say(ADMIN, "/status")).splitlines()
    assert admin_answer[-2:] == ["Feeds: 2 ok, 1 failing: Broken Feed.", "Deliveries: 0 pending, 1 dead."]
    assert "No alert sent to this chat yet." in admin_answer

    fresh = await bot_chat.say(OTHER, "/status")
    assert fresh.splitlines()[1] == "This chat follows nothing yet. /subscribe to pick entities."


async def _store_astral_stories(db: Database, count: int) -> None:
    """`count` Sev Lake stories whose titles are mostly emoji: 2 UTF-16 units per character."""
    async with db.transaction() as session:
        feed = Feed(url="https://emoji.example/rss", title="Emoji 📰 News")
        session.add(feed)
        await session.flush()
    for index in range(count):
        title = f"Sev Lake {index} " + "🔥" * 150
        item = NewItem(
            entry=FeedEntry(f"e{index}", f"https://emoji.example/{index}", title, "", "en", None),
            identity_key=f"e{index:063d}",
            content_hash=f"e{index:063d}",
            published=START - timedelta(minutes=index),
            classification=Classification((EntityMatch("sev_lake", ()),), "P2"),
        )
        await store_new_items(db, feed.id, [item], alert=False, now=START)


async def test_replies_are_measured_like_telegram_so_astral_titles_never_silence_them(bot_chat: Bot) -> None:
    await _store_astral_stories(bot_chat.ctx.db, 20)
    for command in ("/latest 20 sev lake", "/status sev lake", "/search sev lake"):
        answer = await bot_chat.send(USER, command)
        assert utf16_length(answer.text) <= 4096, command
        assert answer.text.count("Sev Lake") >= 2, command
    latest = await bot_chat.say(USER, "/latest 20 sev lake")
    assert latest.splitlines()[-1].startswith("… and ") and latest.splitlines()[-1].endswith("more lines")
    assert bot_chat.telegram.stats["error_400"] == 0


async def test_subscribe_with_a_thousand_unknown_names_gets_one_short_answer(bot_chat: Bot) -> None:
    names = ", ".join(f"nowhere{n}" for n in range(1300))
    answer = await bot_chat.say(USER, f"/subscribe Sev Lake, {names}")
    lines = answer.splitlines()
    assert lines[0] == "Subscribed to Sev Lake."
    assert lines[1].startswith("Unknown entity “nowhere0”.")
    assert lines[-1].endswith("more unknown names.") and len(lines) == 12
    assert await list_subscriptions(bot_chat.ctx.db, USER) == ["sev_lake"]


async def test_status_of_one_entity_has_latest_stories_and_a_sparkline(bot_chat: Bot) -> None:
    await _store_history(bot_chat.ctx.db)
    reply = await bot_chat.send(USER, "/status Սև լիճ")
    assert reply.text.splitlines() == [
        "Sev Lake at 2026-05-01 12:00 UTC",
        "24 h: 2 (P1 1, P2 1) · 7 d: 4 (P1 1, P2 2, P3 1)",
        "Stories per day, 25 Apr – today (UTC): ▁▁▁▅▁▅█ 0 0 0 1 0 1 2",
        "Latest stories:",
        '• [P1] Shots fired near Sev Lake <again> & "again" — News AM, 2026-05-01 11:00 UTC',
        "• [P2] Обстрел у озера Сев — News AZ, 2026-05-01 07:00 UTC",
        "• [P3] Սև լճի մոտ կրակոցներ — News AZ, 2026-04-30 06:00 UTC",
        "• [P2] Qaragöl yaxınlığında atəş — News AZ, 2026-04-28 11:00 UTC",
        "• [P4] Sev Lake talks, weeks ago — News AM, 2026-04-11 12:00 UTC",
    ]
    assert reply.links == [f"https://news.example/{n}" for n in (0, 1, 3, 4, 5)]
    assert reply.entity_texts("bold") == ["Sev Lake"]

    assert (await bot_chat.say(USER, "/status Kapan")).splitlines()[-1] == "No stored stories yet."
    assert await bot_chat.say(USER, "/status Sevv Lake") == (
        "Unknown entity “Sevv Lake”. Did you mean Sev Lake? /entities lists them all."
    )


async def test_latest_and_search_answer_from_stored_history(bot_chat: Bot) -> None:
    await _store_history(bot_chat.ctx.db)
    assert (await bot_chat.say(USER, "/latest 2 Sev Lake")).splitlines() == [
        "Latest 2 stories on Sev Lake:",
        '• [P1] Shots fired near Sev Lake <again> & "again" — News AM, 2026-05-01 11:00 UTC',
        "• [P2] Обстрел у озера Сев — News AZ, 2026-05-01 07:00 UTC",
    ]
    assert (await bot_chat.say(USER, "/latest Горисе 1")).splitlines() == [
        "Latest 1 story on Goris:",
        "• Goris market reopens — News AM, 2026-05-01 10:00 UTC",
    ]
    # no subscriptions: everything stored, newest first, 5 by default
    everything = (await bot_chat.say(USER, "/latest")).splitlines()
    assert everything[0] == "Latest 5 stories:" and len(everything) == 6
    await bot_chat.say(USER, "/subscribe goris")
    assert (await bot_chat.say(USER, "/latest")).splitlines()[
        0
    ] == "Latest 1 story for this chat's subscriptions:"

    usage = "Usage: /latest [n] [entity] — n from 1 to 20, e.g. /latest 10 Goris"
    for malformed in ("/latest 21", "/latest 0", "/latest -3 goris"):
        assert await bot_chat.say(USER, malformed) == usage, malformed
    assert (await bot_chat.say(USER, "/latest 3 Atlantis")).startswith("Unknown entity “Atlantis”.")

    assert (await bot_chat.say(USER, "/search озера")).splitlines() == [
        "1 story matches “озера”, newest first:",
        "• [P2] Обстрел у озера Сев — News AZ, 2026-05-01 07:00 UTC",
    ]
    found = (await bot_chat.say(USER, "/search BORDER report")).splitlines()
    assert found[0] == "6 stories match “BORDER report”, newest first:" and len(found) == 7
    reply = await bot_chat.send(USER, '/search "again" <again>')
    assert reply.text.splitlines()[0] == '1 story matches “"again" <again>”, newest first:'
    assert await bot_chat.say(USER, "/search <b>nothing</b>") == "Nothing stored matches “<b>nothing</b>”."
    search_usage = "Usage: /search <words> — e.g. /search border shooting"
    assert await bot_chat.say(USER, "/search") == search_usage
    assert await bot_chat.say(USER, "/search * OR ^") == "Nothing stored matches “* OR ^”."
    assert await bot_chat.say(USER, "/search ***") == search_usage


async def test_entities_lists_every_tracked_entity_by_kind(bot_chat: Bot) -> None:
    reply = await bot_chat.send(USER, "/entities")
    entities = bot_chat.ctx.gazetteer.entities
    assert reply.text.splitlines()[0] == f"{len(entities)} tracked entities (name them by id or any alias):"
    for entity in entities:
        assert f"{entity.name} ({entity.id})" in reply.text
    assert "Places: " in reply.text


# ------------------------------------------------------------------------------------ unknown commands

UNKNOWN_FOO = "Unknown command /foo. /help lists every command."


async def test_an_unknown_command_names_help_in_private_and_in_groups_only_when_addressed_to_the_bot(
    bot_chat: Bot,
) -> None:
    # before: no answer at all, so a typo looked like a bot that was down
    assert await bot_chat.say(USER, "/foo") == UNKNOWN_FOO
    assert await bot_chat.say(USER, "/foo@borderwatch_bot some words") == UNKNOWN_FOO
    assert await bot_chat.say(USER, "/foo@Borderwatch_Bot") == UNKNOWN_FOO
    assert await bot_chat.say(ADMIN, "/foo@borderwatch_bot", chat_id=GROUP) == UNKNOWN_FOO
    answer = await bot_chat.send(ADMIN, "/foo@borderwatch_bot", chat_id=FORUM, thread_id=77)
    assert (answer.text, answer.thread_id) == (UNKNOWN_FOO, 77)
    # a command meant for another bot, or a bare unknown one in a group (another bot's, perhaps), gets
    # nothing: the answer to the next command is the next message there
    for chat_id, text in (
        (USER, "/foo@other_bot"),
        (GROUP, "/foo"),
        (GROUP, "/foo@other_bot"),
        (GROUP, "/start@other_bot"),
        (CHANNEL, "/foo"),
    ):
        bot_chat.telegram.inject_message(chat_id, USER, text)
        assert (await bot_chat.say(USER, "/mysubs", chat_id=chat_id)).startswith("This chat follows"), text
    # known commands keep their own answers
    assert (await bot_chat.say(USER, "/help")).startswith("Commands")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ru", "Неизвестная команда /foo. /help — список всех команд."),
        ("hy", "Անհայտ հրաման՝ /foo։ /help՝ բոլոր հրամանները։"),
        ("az", "Naməlum əmr: /foo. /help — bütün əmrlər."),
    ],
)
async def test_an_unknown_command_is_answered_in_the_users_language(
    bot_chat: Bot, language: str, text: str
) -> None:
    bot_chat.telegram.add_user(9100, "Lena", language_code=language)
    assert await bot_chat.say(9100, "/foo") == text
