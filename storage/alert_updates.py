"""The outbox of changes to sent alerts: edits ("also reported by …"), replies (the story's severity rose) and
pointers (the alert's story was merged into another one the chat was alerted to: "same story as …").

Rows are written by storage.ingest with the item that caused them, only when they can change what the chat
sees (feeds.routing), and at most one pending edit and one pending reply per alert (a later change folds into
the pending row). One is claimed only once its alert is sent (it needs the message id); it then goes sending
→ sent, or skipped when there is nothing to change (the message already shows every source, or the severity)
or the message cannot be edited any more; an edit never turns into a second alert. Replies are alerts and
wait out quiet hours (P1 passes when the chat allows); edits are silent and do not wait. A pointer waits
until the alert it points to is sent (it needs its message id) and is dropped when that alert will never be
sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Database
from storage.deliveries import (
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    PER_CHAT,
    Alert,
    _alerts_for_items,
    _claim_order,
    _queue,
    count_failed_attempt,
    quiet_until,
)
from storage.models import Chat, Delivery, DeliveryUpdate
from storage.quarantine import quarantine_row
from storage.severity import Severity, severity_rank

# how long a pointer waits for the alert it points to to be sent before it is looked at again
POINTER_WAIT = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class ClaimedUpdate:
    """An edit or reply leased to this process, with what the alert shows now and what was shown before."""

    id: int
    kind: str  # edit | reply | pointer
    chat_id: int
    thread_id: int | None
    delivery_id: int
    message_id: int  # the alert's Telegram message
    attempts: int
    # edit: the alert's item as it reads now; reply: the item that raised the severity; pointer: the alert
    # pointed to (the merged story's)
    alert: Alert
    shown_sources: int
    shown_severity: str | None
    # pointer: the message id of the alert pointed to, and what this alert showed (its own item)
    pointer_to: int | None = None
    was: Alert | None = None

    @property
    def needed(self) -> bool:
        """Whether sending would change what the chat sees (more sources shown, or a higher severity)."""
        if self.kind == "pointer":
            return True
        if self.kind == "reply":
            return severity_rank(self.alert.severity) < severity_rank(self.shown_severity)
        return len(self.alert.also_reported_by) > self.shown_sources


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        DeliveryUpdate.status.in_(("pending", "sending")),
        DeliveryUpdate.next_attempt_at <= now,
    )


# an alert that is sent, or never will be (its edits are then dropped on the way)
_SETTLED = ("sent", "dead", "dropped")


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Due, and its alert settled: an edit waits for its alert's message id."""
    settled = exists().where(Delivery.id == DeliveryUpdate.delivery_id, Delivery.status.in_(_SETTLED))
    return and_(_due(now), settled)


async def claim_due_updates(
    db: Database,
    *,
    now: datetime,
    limit: int,
    exclude_chats: Iterable[int] = (),
    per_chat: int = PER_CHAT,
    lease: timedelta = DEFAULT_LEASE,
    owner: str | None = None,
) -> list[ClaimedUpdate]:
    """Lease up to `limit` due edits and replies whose alert was sent to process instance `owner`, at most
    `per_chat` per chat, in the alerts' order (storage.deliveries._queue: source by source in turn, the
    source being the feed whose item caused the row; chats sent nothing lately first), skipping
    `exclude_chats`. An edit shows the alert as it reads when claimed and a reply the story's severity then,
    so the alert's other pending edits (or replies) are settled as 'skipped' with it: one edit and one reply
    of an alert at a time, the reply showing the item that took the story to its gravest level. Rows of
    alerts that will never be sent (dead, dropped) or of inactive chats are dropped on the way; replies of
    chats in their quiet window are held until it ends (P1 passes when the chat allows). A row that cannot be
    routed or shown is quarantined (storage.quarantine) and never stops the others."""
    excluded = list(exclude_chats)
    async with db.transaction() as session:
        queue = _queue(now, excluded, DeliveryUpdate, _claimable(now))
        query = (
            select(DeliveryUpdate, Delivery, Chat)
            .join(queue, queue.c.id == DeliveryUpdate.id)
            .join(Delivery, Delivery.id == DeliveryUpdate.delivery_id)
            .join(Chat, Chat.id == DeliveryUpdate.chat_id)
            .where(queue.c.place <= per_chat)
            .order_by(*_claim_order(queue, now))
            .limit(max(limit * 4, limit + 50))
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DeliveryUpdate)
        chosen: list[tuple[DeliveryUpdate, Delivery, Chat]] = []
        targets: dict[int, Delivery] = {}
        taken: dict[int, int] = {}
        changing: set[tuple[int, str]] = set()  # (alert, kind): an edit or a reply was chosen for the alert
        for row, delivery, chat in (await session.execute(query)).all():
            if not chat.active or delivery.status != "sent" or delivery.message_id is None:
                row.status = "dropped"
                row.last_error = "chat inactive" if not chat.active else f"alert {delivery.status}"
                continue
            if (delivery.id, row.kind) in changing:
                continue  # settled with the edit or reply chosen (below)
            if row.kind == "pointer":
                target = await _pointer_target(session, row)
                if target is None or target.status in ("dead", "dropped"):
                    row.status = "dropped"
                    row.last_error = "the alert pointed to is not sent"
                    continue
                if target.status != "sent" or target.message_id is None:
                    row.next_attempt_at = now + POINTER_WAIT
                    continue
                targets[row.id] = target
            if row.kind == "reply":
                try:
                    held = quiet_until(chat.quiet_start, chat.quiet_end, chat.quiet_tz, now)
                except ValueError as exc:
                    quarantine_row(row, f"the chat's quiet hours cannot be read: {exc}")
                    continue
                if held is not None and not (row.severity == Severity.P1 and chat.p1_breaks_quiet):
                    row.next_attempt_at = held
                    continue
            if len(chosen) >= limit or taken.get(chat.id, 0) >= per_chat:
                continue
            taken[chat.id] = taken.get(chat.id, 0) + 1
            if row.kind in _COALESCED:
                changing.add((delivery.id, row.kind))
            chosen.append((row, delivery, chat))
        claimed: list[tuple[DeliveryUpdate, Delivery, Chat]] = []
        for row, delivery, chat in chosen:
            result = await session.execute(
                update(DeliveryUpdate)
                .where(DeliveryUpdate.id == row.id, _due(now))
                .values(status="sending", next_attempt_at=now + lease, lease_owner=owner)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append((row, delivery, chat))
        # before the alerts are read: what they show then includes every item of the rows settled here
        gravest = await _coalesce(session, [row for row, _, _ in claimed if row.kind in _COALESCED])
        shown = {row.id: gravest.get(row.id, _shown_item(row, delivery)) for row, delivery, _ in claimed}
        shown_items = set(shown.values()) | {
            delivery.item_id for row, delivery, _ in claimed if row.kind == "pointer"
        }
        alerts = await _alerts_for_items(session, sorted(shown_items))
        for row, _delivery, _chat in claimed:
            if shown[row.id] not in alerts:
                quarantine_row(row, f"item {shown[row.id]} cannot be shown")
        claimed = [entry for entry in claimed if shown[entry[0].id] in alerts]
    return [
        ClaimedUpdate(
            id=row.id,
            kind=row.kind,
            chat_id=chat.id,
            thread_id=chat.thread_id,
            delivery_id=delivery.id,
            message_id=int(delivery.message_id or 0),
            attempts=row.attempts,
            alert=alerts[shown[row.id]],
            shown_sources=delivery.shown_sources or 0,
            shown_severity=delivery.shown_severity
            if delivery.shown_severity is not None
            else delivery.severity,
            pointer_to=targets[row.id].message_id if row.id in targets else None,
            was=alerts[delivery.item_id] if row.kind == "pointer" else None,
        )
        for row, delivery, chat in claimed
    ]


# kinds of which an alert has one sent at a time: the one chosen shows the story as it stands, the alert's
# other pending ones of that kind are settled with it
_COALESCED = ("edit", "reply")


async def _coalesce(session: AsyncSession, chosen: Sequence[DeliveryUpdate]) -> dict[int, int]:
    """Settle the other pending edits and replies of the alerts `chosen` edit or reply to as 'skipped': an
    edit shows its alert as it reads now, every source so far, and a reply the story's severity now. Returns,
    for a chosen reply, the item of the gravest (then newest) of its alert's replies settled here when that is
    not its own: the reply shows the item that took the story to the level it shows."""
    if not chosen:
        return {}
    ids = [row.id for row in chosen]
    replies = [row for row in chosen if row.kind == "reply"]
    gravest: dict[int, int] = {}
    if replies:
        others = await session.execute(
            select(DeliveryUpdate.delivery_id, DeliveryUpdate.item_id, DeliveryUpdate.severity)
            .where(
                DeliveryUpdate.delivery_id.in_(sorted({row.delivery_id for row in replies})),
                DeliveryUpdate.kind == "reply",
                DeliveryUpdate.status == "pending",
                DeliveryUpdate.id.not_in(ids),
            )
            .order_by(DeliveryUpdate.id)
        )
        best = {row.delivery_id: (severity_rank(row.severity), -row.item_id, row.item_id) for row in replies}
        for delivery_id, item_id, severity in others.all():
            best[delivery_id] = min(best[delivery_id], (severity_rank(severity), -item_id, item_id))
        gravest = {
            row.id: best[row.delivery_id][2] for row in replies if best[row.delivery_id][2] != row.item_id
        }
    for kind in _COALESCED:
        alerts = sorted({row.delivery_id for row in chosen if row.kind == kind})
        if not alerts:
            continue
        await session.execute(
            update(DeliveryUpdate)
            .where(
                DeliveryUpdate.delivery_id.in_(alerts),
                DeliveryUpdate.kind == kind,
                DeliveryUpdate.status == "pending",
                DeliveryUpdate.id.not_in(ids),
            )
            .values(status="skipped", last_error=f"shown by another {kind} of the alert")
            .execution_options(synchronize_session=False)
        )
    return gravest


async def _pointer_target(session: AsyncSession, row: DeliveryUpdate) -> Delivery | None:
    """The alert a pointer points to: the chat's alert of the pointer's item (the merged story's alert)."""
    result = await session.execute(
        select(Delivery)
        .where(
            Delivery.chat_id == row.chat_id,
            Delivery.item_id == row.item_id,
            Delivery.id != row.delivery_id,
        )
        .order_by(Delivery.id)
        .limit(1)
    )
    return result.scalars().first()


def _shown_item(row: DeliveryUpdate, delivery: Delivery) -> int:
    """The item whose alert the update shows: a reply shows the item that raised the severity, a pointer the
    alert it points to (the merged story's)."""
    return row.item_id if row.kind in ("reply", "pointer") else delivery.item_id


async def finish_update(
    db: Database,
    update_id: int,
    status: str,
    now: datetime,
    *,
    shown: ClaimedUpdate | None = None,
    message_id: int | None = None,
    reason: str | None = None,
) -> None:
    """Settle a leased row as 'sent' (then the alert's record of what it shows follows `shown`), 'skipped'
    (nothing changed, or the message is gone) or 'dead' (Telegram refused it), with `reason` kept."""
    async with db.transaction() as session:
        await _finish(session, update_id, status, now, shown=shown, message_id=message_id, reason=reason)


@dataclass(frozen=True, slots=True)
class SentUpdate:
    """An edit or reply Telegram accepted: the leased row, when, and the reply's message id (None: edit)."""

    update: ClaimedUpdate
    sent_at: datetime
    message_id: int | None = None


async def mark_updates_sent(db: Database, sent: Sequence[SentUpdate]) -> None:
    """Record that these edits and replies reached their chats (finish_update 'sent' for each), in one
    transaction: bot.sent_record calls it for the sends that finished together, again until it works."""
    if not sent:
        return
    async with db.transaction() as session:
        for done in sent:
            row = done.update
            await _finish(session, row.id, "sent", done.sent_at, shown=row, message_id=done.message_id)


async def _finish(
    session: AsyncSession,
    update_id: int,
    status: str,
    now: datetime,
    *,
    shown: ClaimedUpdate | None = None,
    message_id: int | None = None,
    reason: str | None = None,
) -> None:
    row = await session.get(DeliveryUpdate, update_id)
    if row is None:
        return
    row.status, row.last_error = status, (reason[:1000] if reason else None)
    if status == "sent":
        row.sent_at, row.message_id = now, message_id
    if status == "dead":
        row.attempts += 1
    if status != "sent" or shown is None or shown.kind == "pointer":
        return
    values: dict[str, object] = {"shown_severity": shown.alert.severity}
    if shown.kind == "edit":
        values["shown_sources"] = len(shown.alert.also_reported_by)
    await session.execute(update(Delivery).where(Delivery.id == shown.delivery_id).values(**values))


async def retry_update_later(
    db: Database, update_id: int, error: str, now: datetime, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> str:
    """Count a failed attempt: back to pending with exponential backoff, or 'dead' after `max_attempts` over
    a day (count_failed_attempt)."""
    async with db.transaction() as session:
        row = await session.get(DeliveryUpdate, update_id)
        if row is None:
            return "gone"
        return count_failed_attempt(row, error, now, max_attempts)


async def postpone_updates(
    db: Database,
    update_ids: Sequence[int],
    until: datetime,
    reason: str | None = None,
    *,
    owner: str | None = None,
) -> None:
    """Give leased rows back as pending, due at `until`, not counting an attempt (RetryAfter, shutdown).
    With `owner`, only rows still leased to that instance."""
    if not update_ids:
        return
    values: dict[str, object] = {"status": "pending", "next_attempt_at": until, "lease_owner": None}
    if reason is not None:
        values["last_error"] = reason
    query = update(DeliveryUpdate).where(
        DeliveryUpdate.id.in_(list(update_ids)), DeliveryUpdate.status == "sending"
    )
    if owner is not None:
        query = query.where(DeliveryUpdate.lease_owner == owner)
    async with db.transaction() as session:
        await session.execute(query.values(**values))


async def updates_for_chat(db: Database, chat_id: int) -> list[tuple[str, str, int | None]]:
    """(kind, status, reply message id) of every edit and reply of one chat, oldest first (tests)."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(DeliveryUpdate.kind, DeliveryUpdate.status, DeliveryUpdate.message_id)
            .where(DeliveryUpdate.chat_id == chat_id)
            .order_by(DeliveryUpdate.id)
        )
        return [(str(kind), str(status), message_id) for kind, status, message_id in rows.all()]


__all__ = [
    "ClaimedUpdate",
    "SentUpdate",
    "claim_due_updates",
    "finish_update",
    "mark_updates_sent",
    "postpone_updates",
    "retry_update_later",
    "updates_for_chat",
]
