"""The outbox: every query the delivery loop runs on pending alerts (claim, sent, retry, dead, drop, move).

A row goes pending → sending (leased) → sent; or back to pending with a later `next_attempt_at` (retry,
RetryAfter, quiet hours, held while the bot may not post in the chat: hold_chat); or to dead (kept failing),
or dropped (the chat is gone). A 'sending' row names the
process instance sending it (lease_owner): when that process dies, storage.instances gives the row back at
once, so at most the sends in flight can repeat. A row whose lease ran out is claimed again too (rows leased
by a process that registered no instance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from storage.db import Database
from storage.models import (
    BotState,
    Chat,
    Delivery,
    DeliveryUpdate,
    Feed,
    Item,
    ItemEntity,
    Story,
    Subscription,
)
from storage.quarantine import quarantine_row
from storage.severity import Severity
from storage.stories import _sources_by_story, source_name
from storage.timeofday import parse_time_of_day, zone_info

DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(hours=1)
# a row that keeps failing (5xx, network, timeouts) is tried for this long before it ends dead, whatever its
# attempts: a Telegram or network outage of hours must lose no alert
RETRY_WINDOW = timedelta(hours=24)
PAUSED_KEY = "paused"
# a chat where the bot may not send (restricted, no right to post) is tried again this often, within
# RETRY_WINDOW, counting no attempt; a my_chat_member update saying it may send again releases it at once
HOLD_RETRY = timedelta(minutes=5)
HELD = "held: "  # how last_error marks the rows of such a chat


@dataclass(frozen=True, slots=True)
class Alert:
    """What an alert shows: the item, its source, its severity and the entities it matched."""

    title: str
    link: str | None
    summary: str
    source: str
    published: datetime
    severity: str | None
    entity_ids: tuple[str, ...]
    # (start, end, text) over `title + "\n" + summary`, as the classifier stored them
    spans: tuple[tuple[int, int, str], ...]
    # the story's other sources, in the order they reported it ("also reported by …")
    also_reported_by: tuple[str, ...] = ()
    # the source gave the day only: `published` is that day's noon, shown as the date
    published_day_only: bool = False


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery leased to this process for sending."""

    id: int
    chat_id: int
    thread_id: int | None
    story_id: int
    attempts: int
    alert: Alert
    # when the item was stored and the row queued: the start of the send-latency measurement
    queued_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """Rows of the outbox by status."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    dead: int = 0
    dropped: int = 0


def quiet_until(start: str | None, end: str | None, zone: str, now: datetime) -> datetime | None:
    """When the quiet window `start`-`end` (HH:MM local to `zone`) that contains `now` ends, in UTC;
    None when `now` is outside it or no window is set. A window may cross midnight (23:00-07:00).
    Raises ValueError for a time that is not HH:MM (an unknown zone counts as UTC)."""
    if not start or not end:
        return None
    start_t, end_t = parse_time_of_day(start), parse_time_of_day(end)
    if start_t == end_t:
        return None
    tz = zone_info(zone)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start_t < end_t:
        inside = start_t <= clock < end_t
        end_day = local.date()
    else:
        inside = clock >= start_t or clock < end_t
        end_day = local.date() + timedelta(days=1) if clock >= start_t else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end_t, tzinfo=tz).astimezone(UTC)


def _priority(model: type[Delivery] | type[DeliveryUpdate] = Delivery) -> ColumnElement[int]:
    return case((model.severity == Severity.P1.value, 0), else_=1)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(Delivery.status.in_(("pending", "sending")), Delivery.next_attempt_at <= now)


# A chat sent an alert this recently takes its turn behind the chats that have waited longer (see _queue).
RECENTLY_SENT = timedelta(seconds=60)
# rows leased for one chat at once: what a new alert of another source may wait behind in that chat
PER_CHAT = 5


def _queue(
    now: datetime,
    excluded: Sequence[int],
    model: type[Delivery] | type[DeliveryUpdate] = Delivery,
    due: ColumnElement[bool] | None = None,
) -> Subquery:
    """Each chat's due rows of the outbox `model` (alerts, or edits and replies of sent alerts: `due` says
    which of those are due) numbered (`place`) in the order they are to be sent, with what orders the chats
    among themselves (_claim_order).

    Within a chat, rows go source by source in turn: `turn` is a row's place among the chat's due rows
    from the same feed (the feed of the row's item; P1 first, then oldest), and rows are taken turn by
    turn, P1 first then oldest within a turn; a lease takes a chat's rows of a turn together. So a feed
    that queued hundreds of alerts (or edits) for a chat puts one of them ahead of another source's, not
    all of them.

    Among chats: those sent nothing for RECENTLY_SENT come first, P1 first then the longest waiting (as
    before); then the chats sent to lately, the one sent to longest ago first. So chats with a flood to
    work through take turns with each other, and a chat that has a new alert is not queued behind them."""
    priority = _priority(model).label("priority")
    turns = (
        select(
            model.id.label("id"),
            model.chat_id.label("chat_id"),
            model.created_at.label("created_at"),
            priority,
            func.row_number()
            .over(
                partition_by=(model.chat_id, Item.feed_id),
                order_by=(priority, model.created_at, model.id),
            )
            .label("turn"),
        )
        .join(Item, Item.id == model.item_id)
        .where(_due(now) if due is None else due)
    )
    if excluded:
        turns = turns.where(model.chat_id.not_in(excluded))
    rows = turns.subquery("turns")
    return (
        select(
            rows.c.id,
            rows.c.chat_id,
            rows.c.turn,
            func.row_number()
            .over(
                partition_by=rows.c.chat_id,
                order_by=(rows.c.turn, rows.c.priority, rows.c.created_at, rows.c.id),
            )
            .label("place"),
            func.min(rows.c.priority).over(partition_by=rows.c.chat_id).label("head_priority"),
            func.min(rows.c.created_at).over(partition_by=rows.c.chat_id).label("waiting_since"),
        )
    ).subquery("queue")


def _claim_order(queue: Subquery, now: datetime) -> list[ColumnElement[Any]]:
    """The order rows of `queue` (_queue) are leased in: chats sent nothing lately first (P1 first, then the
    longest waiting), then those sent to lately, the one sent to longest ago first; a chat's rows of one
    turn together."""
    sent = aliased(Delivery)
    last_sent = (
        select(func.max(sent.sent_at))
        .where(sent.chat_id == queue.c.chat_id, sent.status == "sent")
        .scalar_subquery()
    )
    lately = case((last_sent > now - RECENTLY_SENT, 1), else_=0)
    return [
        lately,
        case((lately == 1, last_sent), else_=None),
        queue.c.head_priority,
        queue.c.waiting_since,
        # a chat's rows of one turn together: the turn's other sources go with the flood's next row
        queue.c.turn,
        queue.c.chat_id,
        queue.c.place,
        queue.c.id,
    ]


async def claim_due(
    db: Database,
    *,
    now: datetime,
    limit: int,
    exclude_chats: Iterable[int] = (),
    per_chat: int = PER_CHAT,
    lease: timedelta = DEFAULT_LEASE,
    owner: str | None = None,
) -> list[ClaimedDelivery]:
    """Lease up to `limit` due rows to process instance `owner`, at most `per_chat` per chat, source by
    source in turn, chats that were sent nothing lately first (see _queue), skipping `exclude_chats` (chats
    this process is still sending to). Rows of inactive chats are dropped on the way; rows of chats in their
    quiet window are held until it ends (P1 passes when the chat allows). A row that cannot be routed or
    shown (say, quiet hours stored unreadable by an old version) is quarantined (storage.quarantine) and
    never stops the others. Safe with several bot processes: a row is leased by exactly one of them."""
    excluded = list(exclude_chats)
    async with db.transaction() as session:
        queue = _queue(now, excluded)
        query = (
            select(Delivery, Chat)
            .join(queue, queue.c.id == Delivery.id)
            .join(Chat, Chat.id == Delivery.chat_id)
            .where(queue.c.place <= per_chat)
            .order_by(*_claim_order(queue, now))
            .limit(max(limit * 4, limit + 50))
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Delivery)
        rows = (await session.execute(query)).all()
        chosen: list[tuple[Delivery, Chat]] = []
        taken: dict[int, int] = {}
        for delivery, chat in rows:
            if not chat.active:
                delivery.status, delivery.last_error = "dropped", chat.deactivated_reason or "chat inactive"
                continue
            try:
                held = quiet_until(chat.quiet_start, chat.quiet_end, chat.quiet_tz, now)
            except ValueError as exc:
                quarantine_row(delivery, f"the chat's quiet hours cannot be read: {exc}")
                continue
            if held is not None and not (delivery.severity == Severity.P1 and chat.p1_breaks_quiet):
                delivery.next_attempt_at = held
                continue
            if len(chosen) >= limit or taken.get(chat.id, 0) >= per_chat:
                continue
            taken[chat.id] = taken.get(chat.id, 0) + 1
            chosen.append((delivery, chat))
        # One conditional update for them all: what makes the lease exclusive on SQLite (no SKIP LOCKED
        # there) is that only rows still due are taken, and RETURNING says which those were.
        leased: set[int] = set()
        if chosen:
            leased = set(
                (
                    await session.execute(
                        update(Delivery)
                        .where(Delivery.id.in_([delivery.id for delivery, _ in chosen]), _due(now))
                        .values(status="sending", next_attempt_at=now + lease, lease_owner=owner)
                        .returning(Delivery.id)
                        .execution_options(synchronize_session=False)
                    )
                ).scalars()
            )
        claimed = [(delivery, chat) for delivery, chat in chosen if delivery.id in leased]
        alerts, broken = await _alerts_and_errors(session, [d.item_id for d, _ in claimed])
        for delivery, _chat in claimed:
            if delivery.item_id not in alerts:
                quarantine_row(delivery, broken.get(delivery.item_id, "its item cannot be read"))
        claimed = [(delivery, chat) for delivery, chat in claimed if delivery.item_id in alerts]
    return [
        ClaimedDelivery(
            id=delivery.id,
            chat_id=chat.id,
            thread_id=chat.thread_id,
            story_id=delivery.story_id,
            attempts=delivery.attempts,
            alert=alerts[delivery.item_id],
            queued_at=delivery.created_at,
        )
        for delivery, chat in claimed
    ]


async def _alerts(session: AsyncSession, item_ids: Sequence[int]) -> dict[int, Alert]:
    return (await _alerts_and_errors(session, item_ids))[0]


async def _alerts_and_errors(
    session: AsyncSession, item_ids: Sequence[int]
) -> tuple[dict[int, Alert], dict[int, str]]:
    """The alert of each item, and why for those whose stored rows cannot make one."""
    if not item_ids:
        return {}, {}
    rows = (
        await session.execute(
            select(Item, Feed, Story)
            .join(Feed, Feed.id == Item.feed_id)
            .outerjoin(Story, Story.id == Item.story_id)
            .where(Item.id.in_(set(item_ids)))
        )
    ).all()
    tags = (await session.execute(select(ItemEntity).where(ItemEntity.item_id.in_(set(item_ids))))).scalars()
    entities: dict[int, list[ItemEntity]] = {}
    for tag in tags:
        entities.setdefault(tag.item_id, []).append(tag)
    sources = await _sources_by_story(
        session, sorted({item.story_id for item, _, _ in rows if item.story_id})
    )
    alerts: dict[int, Alert] = {}
    broken: dict[int, str] = {}
    for item, feed, story in rows:
        try:
            alerts[item.id] = _alert(item, feed, story, entities.get(item.id, []), sources)
        except (TypeError, ValueError, AttributeError) as exc:  # stored values no alert can show
            broken[item.id] = f"item {item.id} cannot be shown: {type(exc).__name__}: {exc}"
    return alerts, broken


def _alert(
    item: Item, feed: Feed, story: Story | None, tags: list[ItemEntity], sources: dict[int, list[str]]
) -> Alert:
    item_tags = sorted(tags, key=lambda t: t.entity_id)
    spans = tuple(
        (int(span[0]), int(span[1]), str(span[2]))
        for tag in item_tags
        for span in tag.spans or ()
        if isinstance(span, list | tuple) and len(span) >= 3
    )
    return Alert(
        title=item.title,
        link=item.link,
        summary=item.summary,
        source=source_name(feed),
        published=item.published_at,
        severity=(story.severity if story is not None and story.severity else item.severity),
        entity_ids=tuple(tag.entity_id for tag in item_tags),
        spans=spans,
        also_reported_by=tuple(
            name for name in sources.get(item.story_id or 0, []) if name != source_name(feed)
        ),
        published_day_only=item.published_day_only,
    )


async def _alerts_for_items(session: AsyncSession, item_ids: Sequence[int]) -> dict[int, Alert]:
    """What the alert of each item shows now (the story's severity and its other sources), by item id."""
    return await _alerts(session, item_ids)


@dataclass(frozen=True, slots=True)
class SentAlert:
    """An alert Telegram accepted: its outbox row, the message id, when, and what the message shows (its
    other sources and severity decide whether a later edit or reply changes anything)."""

    delivery_id: int
    message_id: int
    sent_at: datetime
    shown: Alert | None = None


async def mark_sent(db: Database, sent: Sequence[SentAlert]) -> None:
    """Record that these alerts reached their chats: one transaction, one UPDATE by primary key for them all
    (an executemany), so a fan-out's commits do not grow with its sends."""
    if not sent:
        return
    rows: list[dict[str, object]] = []
    for alert in sent:
        row: dict[str, object] = {
            "id": alert.delivery_id,
            "status": "sent",
            "message_id": alert.message_id,
            "sent_at": alert.sent_at,
            "last_error": None,
        }
        if alert.shown is not None:
            row["shown_sources"] = len(alert.shown.also_reported_by)
            row["shown_severity"] = alert.shown.severity
        rows.append(row)
    async with db.transaction() as session:
        await session.execute(update(Delivery), rows)


async def retry_later(
    db: Database, delivery_id: int, error: str, now: datetime, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> str:
    """Count a failed attempt: back to pending with exponential backoff, or 'dead' after `max_attempts` over
    a day (count_failed_attempt). Returns the new status."""
    async with db.transaction() as session:
        delivery = await session.get(Delivery, delivery_id)
        if delivery is None:
            return "gone"
        return count_failed_attempt(delivery, error, now, max_attempts)


def count_failed_attempt(row: Delivery | DeliveryUpdate, error: str, now: datetime, max_attempts: int) -> str:
    """Record one failed attempt on an outbox row (an alert or an edit/reply of one): pending again after an
    exponential backoff, or 'dead' after `max_attempts` once it was queued RETRY_WINDOW ago. Returns the new
    status."""
    row.attempts += 1
    row.last_error = error[:1000]
    queued = row.created_at if row.created_at.tzinfo is not None else row.created_at.replace(tzinfo=UTC)
    if row.attempts >= max_attempts and now - queued >= RETRY_WINDOW:
        row.status = "dead"
    else:
        delay = min(BACKOFF_BASE * 2 ** (row.attempts - 1), BACKOFF_CAP)
        row.status, row.next_attempt_at = "pending", now + delay
    return row.status


async def mark_dead(db: Database, delivery_id: int, error: str) -> None:
    """A failure that no retry can fix (Telegram refused the message itself): dead at once, visibly."""
    async with db.transaction() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(status="dead", last_error=error[:1000], attempts=Delivery.attempts + 1)
        )


async def postpone(
    db: Database,
    delivery_ids: Sequence[int],
    until: datetime,
    reason: str | None = None,
    *,
    owner: str | None = None,
) -> None:
    """Give leased rows back as pending, due at `until`, not counting an attempt (RetryAfter, shutdown).
    With `owner`, only rows still leased to that instance (others may have taken the rest up)."""
    if not delivery_ids:
        return
    async with db.transaction() as session:
        values: dict[str, object] = {"status": "pending", "next_attempt_at": until, "lease_owner": None}
        if reason is not None:
            values["last_error"] = reason
        query = update(Delivery).where(Delivery.id.in_(list(delivery_ids)), Delivery.status == "sending")
        if owner is not None:
            query = query.where(Delivery.lease_owner == owner)
        await session.execute(query.values(**values))


async def hold_chat(db: Database, chat_id: int, reason: str, now: datetime, *, until: datetime) -> int:
    """The bot may not send in the chat for now (restricted, no right to post): its unsent alerts, edits and
    replies wait until `until` (or later, when they were due later), counting no attempt, so that none is
    lost while admins give the right back and no send slot is spent on each; those queued RETRY_WINDOW ago
    or more end dead, as alerts failing for any other reason do. Returns the alerts that ended dead."""
    error = (HELD + reason)[:1000]
    dead = 0
    async with db.transaction() as session:
        for model in (Delivery, DeliveryUpdate):
            unsent = and_(model.chat_id == chat_id, model.status.in_(("pending", "sending")))
            result = await session.execute(
                update(model)
                .where(unsent, model.created_at <= now - RETRY_WINDOW)
                .values(status="dead", last_error=error, lease_owner=None)
            )
            if model is Delivery:
                dead = int(result.rowcount)  # type: ignore[attr-defined]
            await session.execute(
                update(model)
                .where(unsent)
                .values(
                    status="pending",
                    next_attempt_at=case((model.next_attempt_at > until, model.next_attempt_at), else_=until),
                    last_error=error,
                    lease_owner=None,
                )
            )
    return dead


async def release_held_chat(db: Database, chat_id: int, now: datetime) -> int:
    """The bot may send in the chat again: the alerts, edits and replies hold_chat held are due `now`.
    Returns the alerts released."""
    released = 0
    async with db.transaction() as session:
        for model in (Delivery, DeliveryUpdate):
            result = await session.execute(
                update(model)
                .where(
                    model.chat_id == chat_id,
                    model.status == "pending",
                    model.last_error.startswith(HELD, autoescape=True),
                )
                .values(next_attempt_at=now)
            )
            if model is Delivery:
                released = int(result.rowcount)  # type: ignore[attr-defined]
    return released


async def deactivate_chat(db: Database, chat_id: int, reason: str) -> int:
    """The chat cannot receive messages (bot blocked or kicked, chat gone): mark it inactive and drop its
    unsent rows. Its subscriptions are kept, so /start brings everything back. Returns rows dropped."""
    async with db.transaction() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat_id).values(active=False, deactivated_reason=reason)
        )
        result = await session.execute(
            update(Delivery)
            .where(Delivery.chat_id == chat_id, Delivery.status.in_(("pending", "sending")))
            .values(status="dropped", last_error=reason)
        )
        await session.execute(
            update(DeliveryUpdate)
            .where(DeliveryUpdate.chat_id == chat_id, DeliveryUpdate.status.in_(("pending", "sending")))
            .values(status="dropped", last_error=reason)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def migrate_chat(db: Database, old_id: int, new_id: int, now: datetime) -> None:
    """The group became supergroup `new_id`: move the chat (its modes, digest and language), its
    subscriptions, its deliveries and their edits and replies to the new id; unsent rows become due now, so
    they are resent there."""
    async with db.transaction() as session:
        old = await session.get(Chat, old_id)
        if old is None:
            return
        if await session.get(Chat, new_id) is None:
            session.add(
                Chat(
                    id=new_id,
                    type="supergroup",
                    title=old.title,
                    thread_id=None,
                    active=True,
                    quiet_start=old.quiet_start,
                    quiet_end=old.quiet_end,
                    quiet_tz=old.quiet_tz,
                    p1_breaks_quiet=old.p1_breaks_quiet,
                    language=old.language,
                    alerts_enabled=old.alerts_enabled,
                    digest_time=old.digest_time,
                    digest_last_sent_at=old.digest_last_sent_at,
                    digest_error=old.digest_error,
                    report_button=old.report_button,
                    created_at=old.created_at,
                )
            )
            await session.flush()
        have = set(
            (
                await session.execute(select(Subscription.entity_id).where(Subscription.chat_id == new_id))
            ).scalars()
        )
        await session.execute(
            delete(Subscription).where(Subscription.chat_id == old_id, Subscription.entity_id.in_(have))
        )
        await session.execute(
            update(Subscription).where(Subscription.chat_id == old_id).values(chat_id=new_id)
        )
        stories = set(
            (await session.execute(select(Delivery.story_id).where(Delivery.chat_id == new_id))).scalars()
        )
        await session.execute(
            delete(Delivery).where(Delivery.chat_id == old_id, Delivery.story_id.in_(stories))
        )
        await session.execute(
            update(Delivery)
            .where(Delivery.chat_id == old_id, Delivery.status.in_(("pending", "sending")))
            .values(status="pending", next_attempt_at=now)
        )
        await session.execute(update(Delivery).where(Delivery.chat_id == old_id).values(chat_id=new_id))
        # the edits and replies of the moved alerts (deleting the old chat would delete them)
        await session.execute(
            update(DeliveryUpdate).where(DeliveryUpdate.chat_id == old_id).values(chat_id=new_id)
        )
        await session.execute(delete(Chat).where(Chat.id == old_id))


async def delivery_counts(db: Database) -> DeliveryCounts:
    """How many outbox rows are pending, sending, sent, dead and dropped."""
    async with db.transaction() as session:
        rows = (await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
    counts = {str(status): int(n) for status, n in rows}
    return DeliveryCounts(**{k: counts.get(k, 0) for k in ("pending", "sending", "sent", "dead", "dropped")})


async def next_due(db: Database) -> datetime | None:
    """When the earliest pending or leased row becomes due (None when the outbox is empty)."""
    async with db.transaction() as session:
        value = await session.scalar(
            select(func.min(Delivery.next_attempt_at)).where(Delivery.status.in_(("pending", "sending")))
        )
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def delivery_paused(db: Database) -> bool:
    """Whether an admin paused delivery (/pause): bot_state 'paused' = 'true'."""
    async with db.transaction() as session:
        value = await session.scalar(select(BotState.value).where(BotState.key == PAUSED_KEY))
    return value == "true"


async def set_delivery_paused(db: Database, paused: bool) -> None:
    """Pause or resume delivery for every bot process sharing the database."""
    async with db.transaction() as session:
        state = await session.get(BotState, PAUSED_KEY)
        if state is None:
            session.add(BotState(key=PAUSED_KEY, value="true" if paused else "false"))
        else:
            state.value = "true" if paused else "false"


async def deliveries_for_chat(db: Database, chat_id: int) -> list[tuple[int, str, int | None]]:
    """(story id, status, message id) of every row of one chat, oldest first (tests and diagnostics)."""
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(Delivery.story_id, Delivery.status, Delivery.message_id)
                .where(Delivery.chat_id == chat_id)
                .order_by(Delivery.id)
            )
        ).all()
    return [(int(s), str(status), m) for s, status, m in rows]


__all__ = [
    "Alert",
    "ClaimedDelivery",
    "DeliveryCounts",
    "SentAlert",
    "claim_due",
    "deactivate_chat",
    "deliveries_for_chat",
    "delivery_counts",
    "delivery_paused",
    "hold_chat",
    "mark_dead",
    "mark_sent",
    "migrate_chat",
    "next_due",
    "postpone",
    "quiet_until",
    "release_held_chat",
    "retry_later",
    "set_delivery_paused",
]
