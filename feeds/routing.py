"""Who is told about a new item: which chats get a new alert, which get their alert edited or a reply.

Pure rules, no database (feeds/store.py reads the audience and writes the plan):
- an item is news, and may alert, once its feed's history is loaded, when it is tagged with an entity, and
  when it was published at most ALERT_MAX_AGE before it was fetched (DESIGN.md);
- each active chat subscribed to one of its entities, or to everything, gets one alert per story: the first
  item of the story that reaches it; a chat with /alerts off gets P1 stories only;
- a chat that already has the story's alert gets it edited ("also reported by …"), or, when the item made
  the story graver, a reply to it; the story's unsent alerts take the new severity;
- a change is queued only when it can change what the chat sees: an edit when the story now has sources the
  sent message does not show, a reply when the story is graver than the message shows (an alert not sent
  yet may be being rendered as the batch commits, so its changes are always queued); one edit and one reply
  per alert per batch at most, the reply from the item that made the story gravest (a feed rewriting its
  items at every poll adds no source, so it queues nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.ingest import AlertChange, AlertPlan, Audience, NewAlert, ShownAlert
from storage.models import ALL_ENTITIES
from storage.severity import Severity, severity_rank

# Items first seen more than this long after they were published are history, never alerts (DESIGN.md).
ALERT_MAX_AGE = timedelta(hours=24)


def is_news(*, history_loaded: bool, tagged: bool, published: datetime, fetched: datetime) -> bool:
    """Whether a new item may alert (see the module docstring)."""
    return history_loaded and tagged and fetched - published <= ALERT_MAX_AGE


@dataclass(frozen=True, slots=True)
class PlacedItem:
    """A new item that is news, in its story: its entities, the story's severity now, whether the item made
    the story graver, and when it was fetched."""

    item_id: int
    story_id: int
    entity_ids: tuple[str, ...]
    severity: str | None
    raised: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class Routing:
    """The outbox rows to write, and how many chats each item alerts."""

    plan: AlertPlan
    alerted_chats: dict[int, int]


def route_alerts(items: Sequence[PlacedItem], audience: Audience) -> Routing:
    """The alerts, edits and replies `items` cause, in order (an item's story may already have alerts, or get
    them from an earlier item of the same batch: those are sent showing every source so far, not edited)."""
    everyone = audience.subscribers.get(ALL_ENTITIES, set())
    # story → chat → its alert row (None: queued by this very batch)
    have: dict[int, dict[int, int | None]] = {
        story_id: dict(chats) for story_id, chats in audience.alerts.items()
    }
    alerts: list[NewAlert] = []
    changes: list[AlertChange] = []
    queued: dict[tuple[int, str], int] = {}  # (alert row, kind) → its change's index in `changes`
    raised: list[tuple[int, str | None]] = []
    alerted: dict[int, int] = {}
    for item in items:
        story = have.setdefault(item.story_id, {})
        if item.raised:
            raised.append((item.story_id, item.severity))
        for chat_id, delivery_id in sorted(story.items()):
            if delivery_id is None:
                continue
            shown = audience.shown.get(delivery_id)
            # a rise the message already shows (it was sent after the story got that grave) may still name
            # a new source
            kind = "reply" if item.raised and _may_change("reply", item.severity, shown) else "edit"
            if not _may_change(kind, item.severity, shown):
                continue
            change = AlertChange(
                delivery_id, chat_id, item.story_id, item.item_id, kind, item.severity, item.at
            )
            at = queued.get((delivery_id, kind))
            if at is None:
                queued[(delivery_id, kind)] = len(changes)
                changes.append(change)
            elif kind == "reply":  # a later rise in the same batch: the reply shows the gravest level
                changes[at] = change
        chats = set(everyone)
        for entity_id in item.entity_ids:
            chats |= audience.subscribers.get(entity_id, set())
        if item.severity != Severity.P1:
            chats -= audience.alerts_off
        fresh = sorted(chat_id for chat_id in chats if chat_id not in story)
        alerted[item.item_id] = len(fresh)
        for chat_id in fresh:
            story[chat_id] = None
            alerts.append(NewAlert(chat_id, item.story_id, item.item_id, item.severity, item.at))
    return Routing(AlertPlan(tuple(alerts), tuple(changes), tuple(raised)), alerted)


def _may_change(kind: str, severity: str | None, shown: ShownAlert | None) -> bool:
    """Whether an edit (or a reply at `severity`) of an alert showing `shown` can change what its chat sees:
    always while the alert is not sent (or nothing is known of it)."""
    if shown is None or not shown.sent:
        return True
    if kind == "reply":
        return severity_rank(severity) < severity_rank(shown.sent_severity)
    return shown.sources_now > (shown.sent_sources or 0)


__all__ = ["ALERT_MAX_AGE", "PlacedItem", "Routing", "is_news", "route_alerts"]
