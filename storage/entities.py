"""Every query on the gazetteer tables: entities (seeded from YAML or added in chat) and chat aliases.

Every change to them also writes a new gazetteer version (a random token in bot_state), so that every process
sharing the database sees, with one small read, that its classifier must be rebuilt.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import system_clock
from storage.db import dialect_insert
from storage.models import Alias, BotState, Entity

VERSION_KEY = "gazetteer_version"


async def _gazetteer_version(session: AsyncSession) -> str | None:
    """The token of the gazetteer's last change (None before any)."""
    return await session.scalar(select(BotState.value).where(BotState.key == VERSION_KEY))


async def _mark_gazetteer_changed(session: AsyncSession) -> None:
    """Mark the gazetteer changed, inside the caller's transaction: a new token no process has seen (a
    counter could be raised to the same value by two writers at once)."""
    token = uuid.uuid4().hex
    state = await session.get(BotState, VERSION_KEY)
    if state is None:
        await session.execute(
            dialect_insert(session, BotState)
            .values(key=VERSION_KEY, value=token)
            .on_conflict_do_update(index_elements=["key"], set_={"value": token})
        )
    else:
        state.value = token
    await session.flush()


@dataclass(frozen=True, slots=True)
class StoredEntity:
    """An entity row: its definition is the gazetteer mapping (see feeds.definitions)."""

    id: str
    kind: str
    name: str
    definition: dict[str, Any]
    origin: str
    active: bool


def _stored(row: Entity) -> StoredEntity:
    return StoredEntity(row.id, row.kind, row.name, dict(row.definition or {}), row.origin, row.active)


async def _seed_entities(session: AsyncSession, definitions: Sequence[Mapping[str, Any]]) -> int:
    """Insert the YAML entities the table lacks and refresh the definition of rows that came from YAML.

    Rows added in chat are never touched, and an untracked entity stays untracked. Returns the number
    inserted.
    """
    existing = {row.id: row for row in (await session.scalars(select(Entity))).all()}
    missing: list[dict[str, Any]] = []
    refreshed = False
    for definition in definitions:
        entity_id = str(definition["id"])
        name = str(definition.get("name") or _first_english(definition) or entity_id)
        row = existing.get(entity_id)
        if row is None:
            now = system_clock()
            missing.append(
                {
                    "id": entity_id,
                    "kind": str(definition["kind"]),
                    "name": name,
                    "definition": dict(definition),
                    "origin": "yaml",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif row.origin == "yaml" and (row.definition != dict(definition) or row.name != name):
            row.definition = dict(definition)
            row.kind = str(definition["kind"])
            row.name = name
            row.updated_at = system_clock()
            refreshed = True
    inserted = 0
    if missing:
        # processes starting together (ingest workers and the bot) all seed: whoever comes second skips
        result = await session.execute(
            dialect_insert(session, Entity)
            .values(missing)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(Entity.id)
        )
        inserted = len(result.all())
    if inserted or refreshed:
        await _mark_gazetteer_changed(session)
    await session.flush()
    return inserted


def _first_english(definition: Mapping[str, Any]) -> str | None:
    aliases = definition.get("aliases") or {}
    for alias in aliases.get("en") or []:
        text = alias.get("text") if isinstance(alias, Mapping) else alias
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None


async def _list_entities(session: AsyncSession, include_inactive: bool = False) -> list[StoredEntity]:
    """The entities in force (active), ordered by id; all of them when include_inactive."""
    query = select(Entity).order_by(Entity.id)
    if not include_inactive:
        query = query.where(Entity.active.is_(True))
    return [_stored(row) for row in (await session.scalars(query)).all()]


# an alias as the gazetteer reads it: its text, or {"text": …, "case_sensitive": True}; and its language
ChatAlias = tuple[str | dict[str, Any], str | None]


async def _list_chat_aliases(session: AsyncSession) -> dict[str, list[ChatAlias]]:
    """Aliases added in chat, per entity id, in the order they were added: (alias, language or None), the
    alias in its gazetteer form (the text, or a mapping for one that matches only as written)."""
    rows = (
        await session.execute(
            select(Alias.entity_id, Alias.text, Alias.language, Alias.case_sensitive).order_by(Alias.id)
        )
    ).all()
    result: dict[str, list[ChatAlias]] = {}
    for entity_id, text, language, case_sensitive in rows:
        alias: str | dict[str, Any] = {"text": text, "case_sensitive": True} if case_sensitive else text
        result.setdefault(entity_id, []).append((alias, language))
    return result


async def _add_entity(
    session: AsyncSession, entity_id: str, name: str, aliases: Sequence[str] = (), kind: str = "place"
) -> StoredEntity:
    """Track a new entity from chat (or re-track an untracked one with this definition).

    The display name is also its first alias. Raises ValueError when an active entity already has this id.
    """
    texts = [name, *[a for a in aliases if a.strip() and a.strip() != name]]
    definition: dict[str, Any] = {"id": entity_id, "kind": kind, "name": name, "aliases": {"any": texts}}
    row = await session.get(Entity, entity_id)
    if row is not None and row.active:
        raise ValueError(f"entity {entity_id!r} is already tracked")
    if row is None:
        row = Entity(id=entity_id, kind=kind, name=name, definition=definition, origin="chat", active=True)
        session.add(row)
    else:
        row.kind, row.name, row.definition, row.origin, row.active = kind, name, definition, "chat", True
        row.updated_at = system_clock()
    await _mark_gazetteer_changed(session)
    return _stored(row)


async def _add_alias(
    session: AsyncSession,
    entity_id: str,
    text: str,
    language: str | None = None,
    added_by: int | None = None,
    *,
    case_sensitive: bool = False,
) -> bool:
    """Add an alias to an existing entity (`case_sensitive`: it matches only as written); False when the
    entity has it already.

    Raises LookupError when the entity does not exist.
    """
    if await session.get(Entity, entity_id) is None:
        raise LookupError(f"no entity {entity_id!r}")
    duplicate = await session.scalar(select(Alias.id).where(Alias.entity_id == entity_id, Alias.text == text))
    if duplicate is not None:
        return False
    session.add(
        Alias(
            entity_id=entity_id,
            text=text,
            language=language,
            added_by=added_by,
            case_sensitive=case_sensitive,
        )
    )
    await _mark_gazetteer_changed(session)
    return True


async def _untrack_entity(session: AsyncSession, entity_id: str) -> bool:
    """Stop tracking an entity (kept, inactive, so a restart does not re-seed it). False when not active."""
    row = await session.get(Entity, entity_id)
    if row is None or not row.active:
        return False
    row.active = False
    row.updated_at = system_clock()
    await _mark_gazetteer_changed(session)
    return True
