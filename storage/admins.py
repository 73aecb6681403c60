"""Bot admins: the ids of BORDERWATCH_ADMINS (the seed) plus those added in chat with /addadmin.

A row whose `added_by` is NULL only remembers the name of a seed admin: it grants nothing by itself, so
removing an id from BORDERWATCH_ADMINS really removes that admin. Rows added with /addadmin carry who added
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Admin

RemoveOutcome = Literal["removed", "not_admin", "from_environment", "last_admin"]


@dataclass(frozen=True, slots=True)
class AdminView:
    """One admin in force: its user id, its last known name, and whether it comes from the environment."""

    user_id: int
    name: str | None
    from_environment: bool
    added_by: int | None


async def _rows(session: AsyncSession, *, lock: bool = False) -> dict[int, Admin]:
    query = select(Admin).order_by(Admin.user_id)
    if lock:
        query = query.with_for_update()
    return {row.user_id: row for row in (await session.execute(query)).scalars()}


def _effective(rows: dict[int, Admin], seed_ids: Iterable[int]) -> set[int]:
    return set(seed_ids) | {user_id for user_id, row in rows.items() if row.added_by is not None}


async def admin_ids(db: Database, seed_ids: Iterable[int]) -> frozenset[int]:
    """Every user id that is an admin now: the seed ids plus those added in chat."""
    async with db.transaction() as session:
        return frozenset(_effective(await _rows(session), seed_ids))


async def is_admin(db: Database, user_id: int, seed_ids: Iterable[int]) -> bool:
    """Whether `user_id` (a Telegram USER id, never a chat id) is a bot admin."""
    if user_id in set(seed_ids):
        return True
    async with db.transaction() as session:
        row = await session.get(Admin, user_id)
        return row is not None and row.added_by is not None


async def list_admins(db: Database, seed_ids: Iterable[int]) -> list[AdminView]:
    """The admins in force, sorted by user id, with the names they were last seen with."""
    seeds = set(seed_ids)
    async with db.transaction() as session:
        rows = await _rows(session)
    return [
        AdminView(
            user_id=user_id,
            name=rows[user_id].name if user_id in rows else None,
            from_environment=user_id in seeds,
            added_by=rows[user_id].added_by if user_id in rows else None,
        )
        for user_id in sorted(_effective(rows, seeds))
    ]


async def add_admin(
    db: Database,
    user_id: int,
    *,
    added_by: int,
    seed_ids: Iterable[int],
    now: datetime,
    name: str | None = None,
) -> bool:
    """Make `user_id` an admin; False (and nothing changed) when it already is one."""
    seeds = set(seed_ids)
    async with db.transaction() as session:
        row = await session.get(Admin, user_id)
        if user_id in seeds or (row is not None and row.added_by is not None):
            return False
        if row is None:
            session.add(Admin(user_id=user_id, name=name, added_by=added_by, created_at=now))
        else:
            row.added_by = added_by
            row.name = name or row.name
        return True


async def remove_admin(db: Database, user_id: int, *, seed_ids: Iterable[int]) -> RemoveOutcome:
    """Remove an admin added in chat. Never the last admin; seed admins only leave via BORDERWATCH_ADMINS."""
    seeds = set(seed_ids)
    async with db.transaction() as session:
        # locked so two concurrent /rmadmin cannot both pass the "not the last one" check (PostgreSQL)
        rows = await _rows(session, lock=True)
        effective = _effective(rows, seeds)
        if user_id not in effective:
            return "not_admin"
        if user_id in seeds:
            return "from_environment"
        if len(effective) <= 1:
            return "last_admin"
        await session.delete(rows[user_id])
        return "removed"


async def remember_admin_name(db: Database, user_id: int, name: str) -> None:
    """Store the display name an admin was last seen with (seed admins get a name-only row)."""
    async with db.transaction() as session:
        row = await session.get(Admin, user_id)
        if row is None:
            session.add(Admin(user_id=user_id, name=name[:200], added_by=None))
        elif row.name != name[:200]:
            row.name = name[:200]
