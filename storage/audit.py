"""The audit log: every admin command, allowed or refused, with who, where, what and when."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select

from storage.db import Database
from storage.models import AuditEntry

AuditOutcome = Literal["allowed", "refused", "error"]

# What PostgreSQL's text refuses (NUL) and no encoding can store (lone surrogates): a command's arguments are
# whatever was typed, and an attempt must be audited whatever it held.
_NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")


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
    """Append one entry to the audit log, in its own transaction (it stays even if the command failed)."""
    async with db.transaction() as session:
        session.add(
            AuditEntry(
                at=at,
                user_id=user_id,
                chat_id=chat_id,
                command=_storable(command[:50]),
                arguments=_storable(arguments),
                outcome=outcome,
                detail=_storable(detail) if detail is not None else None,
            )
        )


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
            )
            for row in rows
        ]


async def count_audit(db: Database) -> int:
    """How many entries the audit log holds."""
    async with db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())
