"""The audit log: every admin command, allowed or refused, with who, where, what and when."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import AuditEntry

AuditOutcome = Literal["allowed", "refused", "error"]

# What PostgreSQL's text refuses (NUL) and no encoding can store (lone surrogates): a command's arguments are
# whatever was typed, and an attempt must be audited whatever it held.
_NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")

# A refusal of the same command to the same user in the same chat within this long of the last one adds to
# that entry's count instead of a row: one stranger sending admin commands all day stays a few rows.
REPEAT_WINDOW = timedelta(seconds=60)


def _storable(text: str) -> str:
    """`text` with every character no database column can hold replaced by U+FFFD."""
    return _NOT_STORABLE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audited command."""

    id: int
    at: datetime
    user_id: int | None
    chat_id: int | None
    command: str
    arguments: str
    outcome: str
    detail: str | None
    repeats: int = 1
    last_at: datetime | None = None


async def record_audit(
    db: Database,
    *,
    at: datetime,
    user_id: int | None,
    chat_id: int | None,
    command: str,
    arguments: str,
    outcome: AuditOutcome,
    detail: str | None = None,
) -> None:
    """Append one entry to the audit log, in its own transaction (it stays even if the command failed).

    A refusal repeating one within REPEAT_WINDOW (same user, chat and command) adds 1 to that entry's count
    instead, in one UPDATE: refusals at once each count (at worst a second row), none is lost."""
    stored_command = _storable(command[:50])
    async with db.transaction() as session:
        if outcome == "refused" and await _count_a_repeat(session, at, user_id, chat_id, stored_command):
            return
        session.add(
            AuditEntry(
                at=at,
                user_id=user_id,
                chat_id=chat_id,
                command=stored_command,
                arguments=_storable(arguments),
                outcome=outcome,
                detail=_storable(detail) if detail is not None else None,
            )
        )


async def _count_a_repeat(
    session: AsyncSession, at: datetime, user_id: int | None, chat_id: int | None, command: str
) -> bool:
    """Add this refusal (of `command` as stored) to the latest like it within the window; False if there is
    none."""
    last = func.coalesce(AuditEntry.last_at, AuditEntry.at)
    latest = (
        select(AuditEntry.id)
        .where(
            AuditEntry.user_id == user_id,
            AuditEntry.chat_id == chat_id,
            AuditEntry.command == command,
            AuditEntry.outcome == "refused",
            last >= at - REPEAT_WINDOW,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    counted = await session.execute(
        update(AuditEntry)
        .where(AuditEntry.id == latest)
        .values(repeats=AuditEntry.repeats + 1, last_at=case((last > at, last), else_=at))  # never moves back
        .execution_options(synchronize_session=False)
    )
    return bool(counted.rowcount)  # type: ignore[attr-defined]


async def latest_audit(db: Database, limit: int = 10) -> list[AuditRecord]:
    """The `limit` most recent entries, newest first."""
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
            )
        ).scalars()
        return [
            AuditRecord(
                id=row.id,
                at=row.at,
                user_id=row.user_id,
                chat_id=row.chat_id,
                command=row.command,
                arguments=row.arguments,
                outcome=row.outcome,
                detail=row.detail,
                repeats=row.repeats,
                last_at=row.last_at,
            )
            for row in rows
        ]


async def count_audit(db: Database) -> int:
    """How many commands the audit log accounts for (an entry of repeated refusals counts each)."""
    async with db.transaction() as session:
        return int(
            (await session.execute(select(func.coalesce(func.sum(AuditEntry.repeats), 0)))).scalar_one()
        )
