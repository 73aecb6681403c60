"""Admins and the audit log as stored: seed and chat-added admins, never the last one, newest audit first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.admins import add_admin, admin_ids, is_admin, list_admins, remember_admin_name, remove_admin
from storage.audit import count_audit, latest_audit, record_audit
from storage.db import Database

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


async def test_seed_admins_are_admins_and_others_are_not(db: Database) -> None:
    assert await is_admin(db, 111, {111})
    assert not await is_admin(db, 222, {111})
    assert await admin_ids(db, {111}) == {111}


async def test_added_admin_is_admin_until_removed(db: Database) -> None:
    assert await add_admin(db, 222, added_by=111, seed_ids={111}, now=NOW, name="Ann")
    assert await is_admin(db, 222, {111})
    assert not await add_admin(db, 222, added_by=111, seed_ids={111}, now=NOW)
    assert not await add_admin(db, 111, added_by=111, seed_ids={111}, now=NOW)
    assert await remove_admin(db, 222, seed_ids={111}) == "removed"
    assert not await is_admin(db, 222, {111})
    assert await remove_admin(db, 222, seed_ids={111}) == "not_admin"


async def test_the_last_admin_cannot_be_removed(db: Database) -> None:
    await add_admin(db, 222, added_by=111, seed_ids=set(), now=NOW)
    await add_admin(db, 333, added_by=222, seed_ids=set(), now=NOW)
    assert await remove_admin(db, 333, seed_ids=set()) == "removed"
    assert await remove_admin(db, 222, seed_ids=set()) == "last_admin"
    assert await is_admin(db, 222, set())


async def test_seed_admins_leave_only_through_the_environment(db: Database) -> None:
    await remember_admin_name(db, 111, "Seed Admin")
    assert await remove_admin(db, 111, seed_ids={111, 222}) == "from_environment"
    # the name-only row grants nothing once the id leaves BORDERWATCH_ADMINS
    assert not await is_admin(db, 111, {222})


async def test_admins_are_listed_with_names(db: Database) -> None:
    await remember_admin_name(db, 111, "Seed Admin")
    await add_admin(db, 222, added_by=111, seed_ids={111}, now=NOW)
    await remember_admin_name(db, 222, "Bea")
    admins = await list_admins(db, {111})
    assert [(a.user_id, a.name, a.from_environment) for a in admins] == [
        (111, "Seed Admin", True),
        (222, "Bea", False),
    ]


async def test_audit_lists_newest_first_and_limits(db: Database) -> None:
    for minute in range(12):
        await record_audit(
            db,
            at=NOW + timedelta(minutes=minute),
            user_id=5,
            chat_id=-100,
            command=f"cmd{minute}",
            arguments="x",
            outcome="allowed" if minute % 2 else "refused",
        )
    latest = await latest_audit(db, 10)
    assert [entry.command for entry in latest] == [f"cmd{m}" for m in range(11, 1, -1)]
    assert latest[0].at == NOW + timedelta(minutes=11)
    assert latest[0].outcome == "allowed" and latest[1].outcome == "refused"
    assert await count_audit(db) == 12


async def test_refusals_at_once_each_count_and_none_fails(db: Database) -> None:
    # one chat's commands are handled one at a time, but two processes (or chats) can refuse at once
    async def refuse(second: int) -> None:
        await record_audit(
            db,
            at=NOW + timedelta(seconds=second % 3),
            user_id=5,
            chat_id=5,
            command="pause",
            arguments="",
            outcome="refused",
        )

    await refuse(0)
    await asyncio.gather(*(refuse(second) for second in range(40)))
    entries = await latest_audit(db, 50)
    assert sum(entry.repeats for entry in entries) == await count_audit(db) == 41
    assert len(entries) <= 3
