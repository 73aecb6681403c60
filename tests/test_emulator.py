"""The Bot API emulator behaves like Telegram, as a real python-telegram-bot Bot sees it over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.ratelimit import retry_after_seconds
from tests.botapi import BotApiEmulator, EntityParseError, parse_html
from tests.botapi.emulator import CALLBACK_ANSWER_SECONDS


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(telegram: BotApiEmulator) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=2, connect_timeout=2)
    async with Bot(
        telegram.token,
        base_url=telegram.base_url,
        base_file_url=telegram.base_file_url,
        request=request,
        get_updates_request=HTTPXRequest(read_timeout=5),
    ) as client:
        yield client


async def test_get_me_describes_a_bot(bot: Bot, telegram: BotApiEmulator) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "borderwatch_bot"
    assert me.id == int(telegram.token.split(":")[0])


async def test_wrong_token_is_unauthorized(telegram: BotApiEmulator) -> None:
    from telegram.error import InvalidToken

    wrong = Bot("1:wrong", base_url=telegram.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()


async def test_html_message_arrives_as_plain_text_with_entities(bot: Bot, telegram: BotApiEmulator) -> None:
    telegram.add_user(7, "Ann")
    message = await bot.send_message(
        7,
        '<b>Lake</b> &lt;alert&gt; &amp; "x" <a href="https://e.test/a?b=1&amp;c=2">link</a>',
        ParseMode.HTML,
    )
    assert message.text == 'Lake <alert> & "x" link'
    assert message.chat.id == 7 and message.from_user is not None and message.from_user.is_bot
    assert message.date.year >= 2024  # seconds since the epoch, parsed as a datetime
    sent = telegram.sent(7)[0]
    assert sent.entity_texts("bold") == ["Lake"]
    assert sent.links == ["https://e.test/a?b=1&c=2"]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("a < b", 'Unsupported start tag ""'),
        ("<script>x</script>", 'Unsupported start tag "script"'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
    ],
)
async def test_invalid_html_is_refused_like_telegram(
    bot: Bot, telegram: BotApiEmulator, html: str, reason: str
) -> None:
    telegram.add_user(7)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(7, html, ParseMode.HTML)
    assert reason.lower() in caught.value.message.lower()
    assert telegram.sent(7) == []


def test_html_parser_counts_offsets_in_utf16_units() -> None:
    parsed = parse_html("😀 <b>Ağdam</b>")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 5}]
    with pytest.raises(EntityParseError):
        parse_html("<a href='x'>never closed")


async def test_text_over_4096_characters_after_parsing_is_too_long(
    bot: Bot, telegram: BotApiEmulator
) -> None:
    telegram.add_user(7)
    await bot.send_message(7, "<b>" + "&amp;" * 4096 + "</b>", ParseMode.HTML)  # 4096 characters once parsed
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(7, "x" * 4097)


async def test_unknown_chat_blocked_chat_and_migrated_group(bot: Bot, telegram: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hi")
    telegram.add_user(8)
    telegram.block_chat(8)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(8, "hi")
    telegram.add_chat(-100, "group", title="Border group")
    telegram.migrate_chat(-100, -1001234)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-100, "hi")
    assert migrated.value.new_chat_id == -1001234
    await bot.send_message(-1001234, "hi")
    assert telegram.texts(-1001234) == ["hi"]


async def test_private_chat_flood_limit_answers_retry_after(bot: Bot, telegram: BotApiEmulator) -> None:
    telegram.add_user(7)
    for n in range(3):  # the burst a private chat allows
        await bot.send_message(7, f"m{n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(7, "one too many")
    assert retry_after_seconds(caught.value) == 1
    assert telegram.too_many_requests == 1
    assert telegram.texts(7) == ["m0", "m1", "m2"]


async def test_overall_limit_is_30_messages_in_any_second(bot: Bot, telegram: BotApiEmulator) -> None:
    for user_id in range(1, 32):
        telegram.add_user(user_id)
    results = await asyncio.gather(
        *(bot.send_message(user_id, "x") for user_id in range(1, 32)), return_exceptions=True
    )
    assert sum(isinstance(r, RetryAfter) for r in results) == 1
    assert len(telegram.all_sent()) == 30


async def test_paid_broadcast_allows_1000_messages_in_any_second_and_keeps_the_chat_limits(
    bot: Bot, telegram: BotApiEmulator
) -> None:
    telegram._monotonic = lambda: 1000.0  # every message within one second
    users = range(1, 1002)
    for user_id in users:
        telegram.add_user(user_id)
    gate = asyncio.Semaphore(16)

    async def paid(user_id: int) -> object:
        async with gate:
            return await bot.send_message(user_id, "x", allow_paid_broadcast=True)

    results = await asyncio.gather(*(paid(u) for u in users), return_exceptions=True)
    refused = [r for r in results if isinstance(r, RetryAfter)]
    assert len(refused) == 1 and retry_after_seconds(refused[0]) == 1
    assert len(telegram.all_sent()) == 1000
    assert telegram.stats["paid"] == 1000  # what Telegram charges Stars for: the refused one is not
    # the second's 1,000 are every message's: a free one has no room left either
    with pytest.raises(RetryAfter):
        await bot.send_message(2, "free")
    # and a paid message still keeps the private chat's pace (a burst of 3, then 1/s)
    telegram._monotonic = lambda: 1002.0
    for n in range(3):
        await bot.send_message(1, f"m{n}", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "one too many", allow_paid_broadcast=True)


async def test_paid_messages_leave_the_free_30_per_second_to_the_others(
    bot: Bot, telegram: BotApiEmulator
) -> None:
    telegram._monotonic = lambda: 1000.0
    for user_id in range(1, 72):
        telegram.add_user(user_id)
    for user_id in range(1, 41):
        await bot.send_message(user_id, "paid", allow_paid_broadcast=True)
    free = await asyncio.gather(
        *(bot.send_message(user_id, "free") for user_id in range(41, 72)), return_exceptions=True
    )
    assert sum(isinstance(r, RetryAfter) for r in free) == 1
    assert len(telegram.all_sent()) == 70 and telegram.stats["paid"] == 40


async def test_group_limit_is_1_per_second_and_20_per_minute(bot: Bot, telegram: BotApiEmulator) -> None:
    now = [1000.0]
    telegram._monotonic = lambda: now[0]
    telegram.add_chat(-5, "group")
    for n in range(3):  # the burst any chat allows
        await bot.send_message(-5, str(n))
    with pytest.raises(RetryAfter):
        await bot.send_message(-5, "4th within a second")
    for n in range(3, 20):
        now[0] += 1.0
        await bot.send_message(-5, str(n))
    now[0] += 1.0
    with pytest.raises(RetryAfter):
        await bot.send_message(-5, "21st within a minute")


async def test_long_polling_waits_for_an_update_and_honours_offset(
    bot: Bot, telegram: BotApiEmulator
) -> None:
    async def later() -> None:
        await asyncio.sleep(0.2)
        telegram.inject_command(7, 7, "/subscribe csto")

    task = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=3)
    await task
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/subscribe csto"
    assert message.chat.type == "private" and message.from_user is not None and message.from_user.id == 7
    assert message.entities[0].type == "bot_command"
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]  # not confirmed yet
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_forum_topic_message_and_reply_to_the_topic(bot: Bot, telegram: BotApiEmulator) -> None:
    telegram.add_chat(-1009, "supergroup", title="Forum", is_forum=True)
    telegram.inject_command(-1009, 5, "/subscribe all", thread_id=77, mention=True)
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.message_thread_id == 77
    assert update.message.text == "/subscribe@borderwatch_bot all"
    await bot.send_message(-1009, "ok", message_thread_id=77)
    assert telegram.sent(-1009)[0].thread_id == 77


async def test_callback_query_on_a_keyboard_and_edit(bot: Bot, telegram: BotApiEmulator) -> None:
    telegram.add_user(7)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sev Lake", callback_data="sub:sev_lake")]])
    sent = await bot.send_message(7, "pick", reply_markup=keyboard)
    telegram.inject_callback_query(7, 7, "sub:sev_lake")
    (update,) = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "sub:sev_lake" and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Subscribed")
    await bot.edit_message_text("done", chat_id=7, message_id=sent.message_id)
    assert telegram.texts(7) == ["done"] and telegram.sent(7)[0].edits == 1
    assert telegram.callback_answers[0]["text"] == "Subscribed"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):  # answered already
        await bot.answer_callback_query(query.id)
    telegram.inject_callback_query(7, 7, "sub:sev_lake", age=CALLBACK_ANSWER_SECONDS + 1)
    (late,) = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert late.callback_query is not None
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(late.callback_query.id)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("done", chat_id=7, message_id=sent.message_id)


async def test_documents_round_trip_and_commands_menu(bot: Bot, telegram: BotApiEmulator) -> None:
    telegram.add_user(7)
    await bot.send_document(7, b"<opml/>", filename="feeds.opml", caption="<b>3</b> feeds", parse_mode="HTML")
    assert telegram.sent(7)[0].document == b"<opml/>" and telegram.texts(7) == ["3 feeds"]
    telegram.inject_message(7, 7, document=("in.opml", b"<opml version='2.0'/>"), caption="/import")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.document is not None
    file = await bot.get_file(update.message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"<opml version='2.0'/>"
    await bot.set_my_commands([BotCommand("start", "Start the bot")])
    assert telegram.commands_for() == [{"command": "start", "description": "Start the bot"}]


async def test_command_menus_are_kept_per_scope_and_language_and_resolved_as_telegram_does(
    bot: Bot, telegram: BotApiEmulator
) -> None:
    telegram.add_user(7)
    telegram.add_user(8)
    telegram.add_chat(-5, "group")
    telegram.set_chat_admins(-5, [8])
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("start", "Начать")], language_code="ru")
    await bot.set_my_commands([BotCommand("addfeed", "Add a feed")], scope=BotCommandScopeChat(7))
    await bot.set_my_commands([BotCommand("group", "Group")], scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands([BotCommand("mods", "Moderators")], scope=BotCommandScopeChatAdministrators(-5))

    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Начать"]
    assert await bot.get_my_commands(language_code="hy") == ()  # exact scope and language only
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(7))] == ["addfeed"]
    assert telegram.menu_seen(7) == ["addfeed"]  # a chat's own menu comes first
    assert telegram.menu_seen(8, language_code="ru") == ["start"]
    assert telegram.menu_seen(-5, 8) == ["mods"] and telegram.menu_seen(-5, 7) == ["group"]

    await bot.delete_my_commands(scope=BotCommandScopeChat(7))
    assert telegram.menu_seen(7) == ["start"]
    await bot.set_my_commands([], language_code="ru")  # an empty list deletes too
    assert telegram.commands_for(language_code="ru") == []
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.set_my_commands([BotCommand("start", "Start")], scope=BotCommandScopeChat(999))
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Start")])


async def test_chat_admins(bot: Bot, telegram: BotApiEmulator) -> None:
    telegram.add_chat(-5, "group")
    telegram.set_chat_admins(-5, [1, 2])
    assert (await bot.get_chat_member(-5, 1)).status == "creator"
    assert (await bot.get_chat_member(-5, 2)).status == "administrator"
    assert (await bot.get_chat_member(-5, 3)).status == "member"
    assert {m.user.id for m in await bot.get_chat_administrators(-5)} == {1, 2}
    assert (await bot.get_chat(-5)).type == "group"


async def test_injected_faults(bot: Bot, telegram: BotApiEmulator) -> None:
    telegram.add_user(7)
    telegram.inject_fault("5xx", 1, status=502)
    with pytest.raises(NetworkError):
        await bot.send_message(7, "a")
    telegram.inject_fault("429", 1, retry_after=7)
    with pytest.raises(RetryAfter):
        await bot.send_message(7, "b")
    telegram.inject_fault("drop", 1)
    with pytest.raises(NetworkError):
        await bot.send_message(7, "c")
    telegram.inject_fault("timeout", 1, delay=2.5)
    with pytest.raises(TimedOut):
        await bot.send_message(7, "d")
    await bot.send_message(7, "e")
    assert telegram.texts(7) == ["e"]
    assert telegram.too_many_requests == 1


async def test_the_bots_membership_changes_read_as_telegram_sends_them(
    bot: Bot, telegram: BotApiEmulator
) -> None:
    """What my_chat_member updates, getChatMember and the sends answer as the bot is restricted, removed and
    added back, in a basic group, a supergroup, a channel and a private chat (python-telegram-bot parses
    every update: a field it requires is there)."""
    telegram.add_user(5)
    telegram.add_chat(-1, "group")
    telegram.add_chat(-1002, "supergroup", is_forum=True)
    telegram.add_chat(-1003, "channel")
    telegram.restrict_bot(-1002, by=5)
    with pytest.raises(BadRequest, match="Not enough rights to send text messages to the chat"):
        await bot.send_message(-1002, "hi")
    with pytest.raises(BadRequest, match="Not enough rights to send documents to the chat"):
        await bot.send_document(-1002, b"x", filename="x.txt")
    member = await bot.get_chat_member(-1002, bot.id)
    assert member.status == "restricted" and member.can_send_messages is False  # type: ignore[attr-defined]
    telegram.unrestrict_bot(-1002, by=5)
    telegram.restrict_bot(-1003, by=None)  # a channel admin that may not post: no update
    with pytest.raises(BadRequest, match="Need administrator rights in the channel chat"):
        await bot.send_message(-1003, "hi")
    telegram.close_topic(-1002, 7, by=5)
    with pytest.raises(BadRequest, match="Topic_closed"):
        await bot.send_message(-1002, "hi", message_thread_id=7)
    telegram.reopen_topic(-1002, 7, by=5)
    await bot.send_message(-1002, "hi", message_thread_id=7)
    for chat_id in (-1, -1002, -1003, 5):
        telegram.kick_bot(chat_id, by=5)
        telegram.add_bot(chat_id, by=5)
    telegram.kick_bot(-1003, by=5)
    with pytest.raises(Forbidden, match="bot is not a member of the channel chat"):
        await bot.send_message(-1003, "hi")

    updates = await bot.get_updates(timeout=0)
    changes = [
        (
            u.my_chat_member.chat.id,
            u.my_chat_member.old_chat_member.status,
            u.my_chat_member.new_chat_member.status,
        )
        for u in updates
        if u.my_chat_member is not None
    ]
    assert changes == [
        (-1002, "member", "restricted"),
        (-1002, "restricted", "member"),
        (-1, "member", "left"),
        (-1, "left", "member"),
        (-1002, "member", "kicked"),
        (-1002, "kicked", "member"),
        (-1003, "administrator", "kicked"),
        (-1003, "kicked", "administrator"),
        (5, "member", "kicked"),
        (5, "kicked", "member"),
        (-1003, "administrator", "kicked"),
    ]
    topics = [
        (
            u.message.message_thread_id,
            bool(u.message.forum_topic_closed),
            bool(u.message.forum_topic_reopened),
        )
        for u in updates
        if u.message is not None
    ]
    assert topics == [(7, True, False), (7, False, True)]
