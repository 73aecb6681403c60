"""One chat's command flood never holds the bot for the others: the real Application (bot.app) against the
Bot API emulator with Telegram's flood limits enforced (1 message/s per chat, 20/min in groups), and the real
rate limiter (no test speed-up here)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.app import ALLOWED_UPDATES, build_application
from bot.context import BotContext
from bot.fairness import ADMITTED, FLOOD_NOTICE, PER_CHAT_QUEUE
from bot.i18n import translation
from feeds.gazetteer import load_gazetteer
from storage.chats import register_chat, set_language
from storage.db import Database
from tests.botapi.emulator import BotApiEmulator
from tests.clock import Clock
from tests.harness import START, bot_settings
from tests.reliability.conftest import record

FLOODER, OTHER = 4242, 4343
GROUP = -1004242


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:  # Telegram's limits enforced
        yield emulator


async def _start(db: Database, telegram: BotApiEmulator) -> object:
    ctx = BotContext(db=db, settings=bot_settings(telegram, db.url), clock=Clock(START))
    ctx.gazetteer = await load_gazetteer(db, ctx.settings)
    application = build_application(ctx)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, allowed_updates=ALLOWED_UPDATES)
    return application


async def _stop(application: object) -> float:
    """Stop as `borderwatch run` does on SIGTERM; returns the seconds it took."""
    started = time.monotonic()
    updater = application.updater  # type: ignore[attr-defined]
    await updater.stop()
    await application.stop()  # type: ignore[attr-defined]
    await application.shutdown()  # type: ignore[attr-defined]
    return time.monotonic() - started


async def test_a_flood_from_one_chat_does_not_delay_another_chat_and_gets_one_notice(
    db: Database, telegram: BotApiEmulator
) -> None:
    telegram.add_user(FLOODER)
    telegram.add_user(OTHER)
    application = await _start(db, telegram)
    try:
        for _ in range(200):
            telegram.inject_command(FLOODER, FLOODER, "/help")
        await telegram.wait_for_messages(FLOODER, 1, within=30)
        telegram.inject_command(OTHER, OTHER, "/start")
        asked = time.monotonic()
        await telegram.wait_for_messages(OTHER, 1, within=30)
        waited = time.monotonic() - asked
        await telegram.wait_until(lambda: FLOOD_NOTICE in telegram.texts(FLOODER), within=60)
    finally:
        stopped_in = await _stop(application)

    texts = telegram.texts(FLOODER)
    answered = [t for t in texts if t.startswith("Commands")]
    assert len(answered) == 1 + PER_CHAT_QUEUE  # the one being handled and the queue; the rest dropped
    assert texts.count(FLOOD_NOTICE) == 1 and texts[-1] == FLOOD_NOTICE
    assert telegram.too_many_requests == 0
    record(
        f"command flood ({db.dialect})",
        f"200 /help in one private chat: {len(answered)} answered + 1 notice, 0 × 429; "
        f"another user's /start answered {waited:.2f} s after it was sent; stop took {stopped_in:.2f} s",
    )


async def test_a_group_flood_is_paced_at_telegrams_limits_without_429(
    db: Database, telegram: BotApiEmulator
) -> None:
    telegram.add_chat(GROUP, "supergroup", title="Busy group")
    application = await _start(db, telegram)
    try:
        for user in range(40):
            telegram.inject_command(GROUP, 7000 + user, "/help")
        await telegram.wait_until(lambda: FLOOD_NOTICE in telegram.texts(GROUP), within=60)
    finally:
        await _stop(application)
    sent = telegram.sent(GROUP)
    assert len(sent) == 1 + PER_CHAT_QUEUE + 1
    assert telegram.too_many_requests == 0  # the emulator holds groups to 1 message/s and 20/min


async def test_the_flood_notice_is_in_the_chats_chosen_language(
    db: Database, telegram: BotApiEmulator
) -> None:
    telegram.add_chat(GROUP, "supergroup", title="Armenian desk")
    await register_chat(db, GROUP, "supergroup", "Armenian desk")
    await set_language(db, GROUP, "hy")  # /lang hy; the users' own Telegram is in English
    application = await _start(db, telegram)
    notice = translation("hy").gettext(FLOOD_NOTICE)
    assert notice != FLOOD_NOTICE
    try:
        for user in range(12):
            telegram.inject_command(GROUP, 7100 + user, "/help")
        await telegram.wait_until(lambda: notice in telegram.texts(GROUP), within=60)
    finally:
        await _stop(application)
    assert FLOOD_NOTICE not in telegram.texts(GROUP)


async def test_shutdown_is_prompt_under_a_backlog_of_every_chat(
    db: Database, telegram: BotApiEmulator
) -> None:
    users = [9000 + n for n in range(60)]
    for user in users:
        telegram.add_user(user)
    application = await _start(db, telegram)
    for _round in range(PER_CHAT_QUEUE + 1):
        for user in users:
            telegram.inject_command(user, user, "/help")
    await telegram.wait_for_messages(users[0], 1, within=30)
    stopped_in = await _stop(application)
    answered = sum(len(telegram.sent(user)) for user in users)
    assert answered < len(users) * (PER_CHAT_QUEUE + 1)  # there was a backlog when it stopped
    assert stopped_in < 15, stopped_in  # the grace for commands in flight (5 s), not the backlog
    record(
        f"shutdown under backlog ({db.dialect})",
        f"{len(users) * (PER_CHAT_QUEUE + 1)} commands from {len(users)} chats queued; stopped in "
        f"{stopped_in:.2f} s with {answered} answered",
    )


async def test_member_updates_of_a_group_the_bot_may_not_send_to_never_hold_another_chat(
    db: Database, telegram: BotApiEmulator
) -> None:
    # A big group where the bot is an admin: members join faster than the bot may post there (after a 429 with
    # a 10-minute retry_after, as during a fan-out). Before: the bot asked Telegram for every update kind,
    # each chat_member update waited in the group's turn for the 10 minutes, none could be dropped, and once
    # 10,000 waited no update of any chat was handled: another user's /start went unanswered.
    telegram.add_chat(GROUP, "supergroup", title="Big public group")
    telegram.add_user(OTHER)
    application = await _start(db, telegram)
    try:
        telegram.inject_fault("429", methods=["sendMessage"], retry_after=600)
        telegram.inject_command(GROUP, FLOODER, "/help")
        await telegram.wait_until(lambda: telegram.too_many_requests >= 1, within=30)
        for member in range(ADMITTED + 100):
            telegram.inject_member_joined(GROUP, 100_000 + member)
        await telegram.wait_until(lambda: telegram.pending_updates == 0, within=60)
        telegram.inject_command(OTHER, OTHER, "/start")
        asked = time.monotonic()
        await telegram.wait_for_messages(OTHER, 1, within=30)
        waited = time.monotonic() - asked
    finally:
        await _stop(application)
    record(
        f"member updates ({db.dialect})",
        f"{ADMITTED + 100} members joining a group the bot may not post to for 10 min: another user's "
        f"/start answered {waited:.2f} s after it was sent",
    )
