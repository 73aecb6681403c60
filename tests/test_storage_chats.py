"""Chats: registration, subscriptions, the forum topic for alerts, quiet hours."""

from __future__ import annotations

import pytest

from storage.chats import (
    UnknownChat,
    add_subscriptions,
    clear_quiet,
    get_chat,
    list_subscriptions,
    register_chat,
    remove_subscriptions,
    set_p1_breaks_quiet,
    set_quiet,
    set_thread,
)
from storage.db import Database
from storage.models import Chat


async def test_register_creates_then_updates_and_reactivates(db: Database) -> None:
    first = await register_chat(db, -100123, "group", "Border news")
    assert (first.type, first.title, first.active, first.quiet_tz, first.p1_breaks_quiet) == (
        "group",
        "Border news",
        True,
        "UTC",
        True,
    )
    async with db.transaction() as session:
        chat = await session.get(Chat, -100123)
        assert chat is not None
        chat.active, chat.deactivated_reason = False, "blocked"
    again = await register_chat(db, -100123, "supergroup", None)
    assert (again.type, again.title, again.active) == ("supergroup", "Border news", True)
    assert await get_chat(db, 42) is None


async def test_subscriptions_add_remove_list(db: Database) -> None:
    added = await add_subscriptions(db, 7, "private", ["sev_lake", "goris", "sev_lake"])
    assert added == ["sev_lake", "goris"]
    assert await add_subscriptions(db, 7, "private", ["goris", "kapan"]) == ["kapan"]
    assert await list_subscriptions(db, 7) == ["goris", "kapan", "sev_lake"]
    assert await remove_subscriptions(db, 7, ["kapan", "jermuk"]) == ["kapan"]
    assert await list_subscriptions(db, 7) == ["goris", "sev_lake"]
    assert await remove_subscriptions(db, 7, None) == ["goris", "sev_lake"]
    assert await list_subscriptions(db, 7) == []
    assert await list_subscriptions(db, 8) == []


async def test_subscribing_registers_the_chat_and_records_the_topic(db: Database) -> None:
    await add_subscriptions(db, -100777, "supergroup", ["syunik"], title="Forum", thread_id=55)
    chat = await get_chat(db, -100777)
    assert chat is not None and (chat.type, chat.title, chat.thread_id) == ("supergroup", "Forum", 55)
    # subscribing again from the General topic moves alerts back there
    await add_subscriptions(db, -100777, "supergroup", ["goris"])
    chat = await get_chat(db, -100777)
    assert chat is not None and chat.thread_id is None
    await set_thread(db, -100777, 9)
    chat = await get_chat(db, -100777)
    assert chat is not None and chat.thread_id == 9


async def test_quiet_settings(db: Database) -> None:
    await register_chat(db, 5, "private")
    chat = await set_quiet(db, 5, "23:00", "07:00", "Asia/Yerevan")
    assert (chat.quiet, chat.quiet_start, chat.quiet_end, chat.quiet_tz) == (
        True,
        "23:00",
        "07:00",
        "Asia/Yerevan",
    )
    chat = await set_p1_breaks_quiet(db, 5, False)
    assert chat.p1_breaks_quiet is False
    chat = await clear_quiet(db, 5)
    assert (chat.quiet, chat.quiet_start, chat.quiet_end, chat.p1_breaks_quiet) == (False, None, None, False)
    with pytest.raises(UnknownChat):
        await set_quiet(db, 6, "01:00", "02:00")
