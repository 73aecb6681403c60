"""Not-about reports from alert buttons, the alias fixes /review decides, the chat switch for the button."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database, dialect_insert
from storage.entities import _mark_gazetteer_changed
from storage.models import Admin, AliasFix, Chat, Delivery, Item, ItemEntity, NotAboutReport

FixKind = Literal["disable", "exclude"]
ReportStatus = Literal["excluded", "disabled", "dismissed"]


@dataclass(frozen=True, slots=True)
class Report:
    """An open or closed report, with the item's text and the spans where the entity was matched."""

    id: int
    item_id: int
    entity_id: str
    chat_id: int | None
    user_id: int
    created_at: datetime
    status: str
    title: str
    summary: str
    link: str | None
    # [(start, end, matched text)] over title + "\n" + summary, as the classifier stored them
    spans: tuple[tuple[int, int, str], ...]
    reporters: int  # how many people reported this item and entity (open reports)


@dataclass(frozen=True, slots=True)
class StoredFix:
    """A decision on one alias."""

    entity_id: str
    alias_text: str
    kind: str
    word: str | None


async def record_report(
    db: Database, *, delivery_id: int, entity_id: str, user_id: int, chat_id: int | None, at: datetime
) -> tuple[int, bool] | None:
    """Record that `user_id` pressed "not about `entity_id`" on the alert of delivery `delivery_id`.

    Returns (report id, True when new); None when the delivery is unknown, was sent to another chat than
    `chat_id` (a crafted button), or its item is not tagged with the entity. A second press by the same
    person on the same item and entity is the same report."""
    async with db.transaction() as session:
        query = select(Delivery.item_id).where(Delivery.id == delivery_id)
        if chat_id is not None:
            query = query.where(Delivery.chat_id == chat_id)
        item_id = await session.scalar(query)
        if item_id is None:
            return None
        tagged = await session.scalar(
            select(ItemEntity.item_id).where(ItemEntity.item_id == item_id, ItemEntity.entity_id == entity_id)
        )
        if tagged is None:
            return None
        inserted = await session.execute(
            dialect_insert(session, NotAboutReport)
            .values(
                item_id=item_id,
                entity_id=entity_id,
                chat_id=chat_id,
                user_id=user_id,
                created_at=at,
                status="open",
            )
            .on_conflict_do_nothing(index_elements=["item_id", "entity_id", "user_id"])
            .returning(NotAboutReport.id)
        )
        new_id = inserted.scalar()
        if new_id is not None:
            return int(new_id), True
        existing = await session.scalar(
            select(NotAboutReport.id).where(
                NotAboutReport.item_id == item_id,
                NotAboutReport.entity_id == entity_id,
                NotAboutReport.user_id == user_id,
            )
        )
        return (int(existing), False) if existing is not None else None


def _spans(raw: Any) -> tuple[tuple[int, int, str], ...]:
    spans = []
    for span in raw or []:
        if isinstance(span, list | tuple) and len(span) == 3:
            spans.append((int(span[0]), int(span[1]), str(span[2])))
    return tuple(spans)


async def _reports(session: AsyncSession, condition: Any, limit: int) -> list[Report]:
    rows = (
        await session.execute(
            select(NotAboutReport, Item.title, Item.summary, Item.link, ItemEntity.spans)
            .join(Item, Item.id == NotAboutReport.item_id)
            .outerjoin(
                ItemEntity,
                (ItemEntity.item_id == NotAboutReport.item_id)
                & (ItemEntity.entity_id == NotAboutReport.entity_id),
            )
            .where(condition)
            .order_by(NotAboutReport.created_at, NotAboutReport.id)
            .limit(limit)
        )
    ).all()
    counts: dict[tuple[int, str], int] = {}
    if rows:
        keys = {(row[0].item_id, row[0].entity_id) for row in rows}
        count_rows = (
            await session.execute(
                select(NotAboutReport.item_id, NotAboutReport.entity_id, func.count(NotAboutReport.id))
                .where(
                    NotAboutReport.status == "open",
                    NotAboutReport.item_id.in_([item_id for item_id, _ in keys]),
                )
                .group_by(NotAboutReport.item_id, NotAboutReport.entity_id)
            )
        ).all()
        counts = {(item_id, entity_id): int(count) for item_id, entity_id, count in count_rows}
    return [
        Report(
            id=report.id,
            item_id=report.item_id,
            entity_id=report.entity_id,
            chat_id=report.chat_id,
            user_id=report.user_id,
            created_at=report.created_at,
            status=report.status,
            title=title,
            summary=summary or "",
            link=link,
            spans=_spans(spans),
            reporters=counts.get((report.item_id, report.entity_id), 1),
        )
        for report, title, summary, link, spans in rows
    ]


async def open_reports(db: Database, limit: int = 10) -> list[Report]:
    """The oldest open reports, one per item and entity (the first press stands for the others)."""
    async with db.transaction() as session:
        first_ids = (
            select(func.min(NotAboutReport.id))
            .where(NotAboutReport.status == "open")
            .group_by(NotAboutReport.item_id, NotAboutReport.entity_id)
        )
        return await _reports(session, NotAboutReport.id.in_(first_ids), limit)


async def count_open_reports(db: Database) -> int:
    """How many items and entities have an open report."""
    async with db.transaction() as session:
        pairs = (
            select(NotAboutReport.item_id, NotAboutReport.entity_id)
            .where(NotAboutReport.status == "open")
            .group_by(NotAboutReport.item_id, NotAboutReport.entity_id)
            .subquery()
        )
        return int(await session.scalar(select(func.count()).select_from(pairs)) or 0)


async def get_report(db: Database, report_id: int) -> Report | None:
    """One report (open or closed), or None."""
    async with db.transaction() as session:
        found = await _reports(session, NotAboutReport.id == report_id, 1)
        return found[0] if found else None


async def close_reports(
    db: Database,
    report: Report,
    *,
    status: ReportStatus,
    resolution: str,
    by: int,
    at: datetime,
    fix: tuple[FixKind, str, str | None] | None = None,
) -> bool:
    """Close every open report on the report's item and entity with `status`, and store `fix` (kind, alias
    text, word) for the entity, in one transaction. False when they were already closed (someone decided
    first)."""
    async with db.transaction() as session:
        return await _close_reports_in(
            session, report, status=status, resolution=resolution, by=by, at=at, fix=fix
        )


async def _close_reports_in(
    session: AsyncSession,
    report: Report,
    *,
    status: ReportStatus,
    resolution: str,
    by: int,
    at: datetime,
    fix: tuple[FixKind, str, str | None] | None = None,
) -> bool:
    """close_reports inside the caller's transaction (so the gazetteer can be rebuilt before the commit)."""
    closed = await session.execute(
        update(NotAboutReport)
        .where(
            NotAboutReport.item_id == report.item_id,
            NotAboutReport.entity_id == report.entity_id,
            NotAboutReport.status == "open",
        )
        .values(status=status, resolution=resolution[:300], resolved_by=by, resolved_at=at)
    )
    if not closed.rowcount:  # type: ignore[attr-defined]
        return False
    if fix is not None:
        kind, alias_text, word = fix
        session.add(
            AliasFix(
                entity_id=report.entity_id,
                alias_text=alias_text[:300],
                kind=kind,
                word=word[:100] if word else None,
                report_id=report.id,
                created_by=by,
                created_at=at,
            )
        )
        await _mark_gazetteer_changed(session)
    return True


async def _list_alias_fixes(session: AsyncSession) -> list[StoredFix]:
    """Every alias decision, oldest first (inside the caller's transaction, like the entity rows)."""
    rows = (await session.scalars(select(AliasFix).order_by(AliasFix.id))).all()
    return [StoredFix(row.entity_id, row.alias_text, row.kind, row.word) for row in rows]


async def item_text_by_link(db: Database, link: str) -> tuple[str, str, str | None] | None:
    """(title, summary, language) of the newest stored item with this link, or None."""
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(Item.title, Item.summary, Item.language)
                .where(Item.link == link)
                .order_by(Item.id.desc())
                .limit(1)
            )
        ).first()
        return (row[0], row[1] or "", row[2]) if row is not None else None


async def set_report_button(db: Database, chat_id: int, enabled: bool) -> bool:
    """Let everyone in the chat use "not about" (or only bot admins); False when the chat is unknown."""
    async with db.transaction() as session:
        result = await session.execute(update(Chat).where(Chat.id == chat_id).values(report_button=enabled))
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def report_button_chats(
    db: Database, chat_ids: Iterable[int], seed_admin_ids: Iterable[int]
) -> dict[int, tuple[bool, str | None]]:
    """Whether alerts in each chat carry the "not about" buttons (in a bot admin's own private chat, whose
    id is the admin's user id, or where a chat admin let everyone use them), and the chat's /lang choice;
    two queries for any number of chats (the delivery loop asks once per lease)."""
    wanted = set(chat_ids)
    seeds = set(seed_admin_ids)
    if not wanted:
        return {}
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(Chat.id, Chat.report_button, Chat.language).where(Chat.id.in_(wanted))
            )
        ).all()
        known = {int(chat_id): (bool(everyone), language) for chat_id, everyone, language in rows}
        users = [c for c in wanted if c > 0 and c not in seeds and not known.get(c, (False, None))[0]]
        added = (
            set(
                (
                    await session.execute(
                        select(Admin.user_id).where(Admin.user_id.in_(users), Admin.added_by.is_not(None))
                    )
                ).scalars()
            )
            if users
            else set()
        )
    answers: dict[int, tuple[bool, str | None]] = {}
    for chat_id in wanted:
        everyone, language = known.get(chat_id, (False, None))
        answers[chat_id] = (everyone or chat_id in seeds or chat_id in added, language)
    return answers


async def report_button_for_everyone(db: Database, chat_id: int) -> bool:
    """True when a chat admin let everyone in this chat use "not about"."""
    async with db.transaction() as session:
        return bool(await session.scalar(select(Chat.report_button).where(Chat.id == chat_id)))
