"""The stored gazetteer as one thing: its rows (entities, chat aliases, alias fixes) with their version, and
changes to it made as one unit (the rows are read back inside the change, so the caller can build and check
the new gazetteer before anything is committed), and changes only tried (rolled back: what they would make).

Every change writes a new version (storage.entities), which every process looks at to rebuild its classifier.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import entities as _entities
from storage import reports as _reports
from storage.db import Database
from storage.entities import ChatAlias, StoredEntity
from storage.reports import FixKind, Report, ReportStatus, StoredFix


@dataclass(frozen=True, slots=True)
class GazetteerRows:
    """The gazetteer as stored: its version, the entities in force, the aliases added in chat (per entity)
    and the alias fixes decided in /review."""

    version: str | None
    entities: list[StoredEntity]
    chat_aliases: dict[str, list[ChatAlias]]
    fixes: list[StoredFix]

    def same_gazetteer(self, other: GazetteerRows) -> bool:
        """Whether both build the same gazetteer (their versions aside: every write makes a new one)."""
        return replace(self, version=None) == replace(other, version=None)


async def _rows(session: AsyncSession) -> GazetteerRows:
    return GazetteerRows(
        await _entities._gazetteer_version(session),
        await _entities._list_entities(session),
        await _entities._list_chat_aliases(session),
        await _reports._list_alias_fixes(session),
    )


async def gazetteer_rows(db: Database) -> GazetteerRows:
    """The gazetteer as stored now."""
    async with db.transaction() as session:
        return await _rows(session)


async def gazetteer_rows_if_changed(db: Database, seen: str | None) -> GazetteerRows | None:
    """The gazetteer as stored now when its version is not `seen`, else None (one small read)."""
    async with db.transaction() as session:
        if await _entities._gazetteer_version(session) == seen:
            return None
        return await _rows(session)


async def seed_gazetteer(db: Database, definitions: Sequence[Mapping[str, Any]]) -> GazetteerRows:
    """Seed the YAML entities (storage.entities: new ones added, YAML ones refreshed, chat ones kept) and
    read the gazetteer back, in one transaction."""
    async with db.transaction() as session:
        await _entities._seed_entities(session, definitions)
        return await _rows(session)


class GazetteerChange:
    """One change to the gazetteer (see changing_gazetteer)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_entity(self, entity_id: str, name: str, aliases: Sequence[str] = ()) -> StoredEntity:
        """Track a new entity (storage.entities.add_entity); ValueError when one is tracked with this id."""
        return await _entities._add_entity(self._session, entity_id, name, aliases)

    async def add_alias(
        self,
        entity_id: str,
        text: str,
        language: str | None = None,
        added_by: int | None = None,
        *,
        case_sensitive: bool = False,
    ) -> bool:
        """One more name for an entity; False when it has it already; LookupError for an unknown entity."""
        return await _entities._add_alias(
            self._session, entity_id, text, language, added_by, case_sensitive=case_sensitive
        )

    async def untrack_entity(self, entity_id: str) -> bool:
        """Stop tracking an entity (kept, inactive); False when it is not tracked."""
        return await _entities._untrack_entity(self._session, entity_id)

    async def close_reports(
        self,
        report: Report,
        *,
        status: ReportStatus,
        resolution: str,
        by: int,
        at: datetime,
        fix: tuple[FixKind, str, str | None] | None = None,
    ) -> bool:
        """Close the open reports of the report's item and entity, recording `fix` (storage.reports)."""
        return await _reports._close_reports_in(
            self._session, report, status=status, resolution=resolution, by=by, at=at, fix=fix
        )

    async def rows(self) -> GazetteerRows:
        """The gazetteer as it reads inside this change."""
        return await _rows(self._session)


@asynccontextmanager
async def changing_gazetteer(db: Database) -> AsyncIterator[GazetteerChange]:
    """A change to the gazetteer: committed when the block ends, rolled back if it raises (say, the new
    gazetteer does not build)."""
    async with db.transaction() as session:
        yield GazetteerChange(session)


class _OnlyTried(Exception):
    pass


@asynccontextmanager
async def trying_gazetteer(db: Database) -> AsyncIterator[GazetteerChange]:
    """A change to the gazetteer that is always rolled back: what it would make, read with `rows()`,
    without holding the database (SQLite's write lock) while that is built."""
    try:
        async with db.transaction() as session:
            yield GazetteerChange(session)
            raise _OnlyTried
    except _OnlyTried:
        pass


__all__ = [
    "GazetteerChange",
    "GazetteerRows",
    "changing_gazetteer",
    "gazetteer_rows",
    "gazetteer_rows_if_changed",
    "seed_gazetteer",
    "trying_gazetteer",
]
