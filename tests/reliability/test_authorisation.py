"""Authorisation, re-run against the full admin command set as registered (bot.commands.admin.ADMIN_COMMANDS),
so a command added later is covered without editing this file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands.admin import ADMIN_COMMANDS
from bot.commands.review import REVIEW_COMMANDS
from storage.admins import list_admins
from storage.audit import count_audit, latest_audit
from storage.db import Database
from storage.deliveries import delivery_paused
from storage.feeds import list_feeds
from tests.botapi.emulator import BotApiEmulator
from tests.harness import ADMIN, STRANGER, Chat, running_bot
from tests.reliability.conftest import record

# arguments a hostile non-admin might try on each command, besides none at all
pytestmark = pytest.mark.usefixtures("fast_private_chats")


ARGUMENTS = ["", "https://evil.example/rss.xml Evil", f"{STRANGER}", "1; sev_lake; <b>x</b>", "all"]


@pytest.fixture
async def chat(db: Database) -> AsyncIterator[Chat]:
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(ADMIN, "Ada")
        telegram.add_user(STRANGER, "Stan")
        async with running_bot(db, telegram) as running:
            yield running


async def test_every_registered_admin_command_refuses_a_non_admin_with_any_arguments(chat: Chat) -> None:
    names = [name for name, _callback, _description in ADMIN_COMMANDS + REVIEW_COMMANDS]
    assert len(names) >= 14
    group = -100777
    chat.telegram.add_chat(group, "supergroup", title="Border news")
    chat.telegram.set_chat_admins(group, [STRANGER])  # a group admin is not a bot admin
    attempts = 0
    for name in names:
        for arguments in ARGUMENTS:
            text = f"/{name} {arguments}".rstrip()
            assert await chat.say(STRANGER, text) == [f"Sorry, /{name} is only for bot admins."], text
            attempts += 1
        assert await chat.say(STRANGER, f"/{name}", chat_id=group) == [
            f"Sorry, /{name} is only for bot admins."
        ]
        attempts += 1
    db = chat.ctx.db
    await chat.audit(attempts)
    assert await count_audit(db) == attempts
    # within a minute, one command's refusals to one user in one chat are one entry with their count
    entries = await latest_audit(db, attempts)
    assert len(entries) == 2 * len(names)
    assert sum(entry.repeats for entry in entries) == attempts
    assert await list_feeds(db) == []
    assert [a.user_id for a in await list_admins(db, chat.ctx.settings.admin_ids)] == [ADMIN]
    assert not await delivery_paused(db)
    record(
        f"authorisation ({db.dialect})",
        f"{len(names)} admin commands × {len(ARGUMENTS) + 1} attempts = {attempts} refused and audited "
        f"in {len(entries)} entries, 0 obeyed",
    )
