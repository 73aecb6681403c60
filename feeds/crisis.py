"""Crisis mode: a new P1 or P2 story hurries the feeds that report on its entities for a while.

Pure: which stories put feeds into crisis mode, for which entities and until when. storage/crises.py finds
the feeds (from history) and records it; feeds/schedule.py polls them at the crisis interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.items import ALERT_MAX_AGE, StoredItem
from storage.stories import higher_severity

CRISIS_SEVERITIES = frozenset({"P1", "P2"})


@dataclass(frozen=True, slots=True)
class CrisisStart:
    """A story that puts the feeds reporting on `entity_ids` into crisis mode until `ends_at`."""

    story_id: int
    severity: str
    entity_ids: tuple[str, ...]
    ends_at: datetime


def crises_from(
    items: Iterable[StoredItem], *, alerting: bool, now: datetime, duration: timedelta
) -> list[CrisisStart]:
    """The crises that newly stored items start or extend: one per story that got a P1 or P2 item tagged
    with entities, lasting `duration` from `now`, over the entities of all such items of that story.

    Only news counts: nothing from a feed's first fetch (`alerting` false: its history) and nothing
    published more than a day before it was seen, the same rule as for alerts.
    """
    if not alerting or duration <= timedelta(0):
        return []
    by_story: dict[int, tuple[str, dict[str, None]]] = {}
    for item in items:
        if item.severity not in CRISIS_SEVERITIES or not item.entity_ids:
            continue
        if now - item.published > ALERT_MAX_AGE:
            continue
        severity, entities = by_story.get(item.story_id, (item.severity, {}))
        entities.update(dict.fromkeys(item.entity_ids))
        by_story[item.story_id] = (higher_severity(severity, item.severity) or item.severity, entities)
    return [
        CrisisStart(story_id, severity, tuple(entities), now + duration)
        for story_id, (severity, entities) in by_story.items()
    ]
