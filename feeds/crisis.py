"""Crisis mode: a new P1 or P2 story hurries the feeds that report on its entities for a while.

Pure: which stories put feeds into crisis mode, for which entities and until when. storage/crises.py finds
the feeds (from history) and records it; feeds/schedule.py polls them at the crisis interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from feeds.routing import ALERT_MAX_AGE
from feeds.store import StoredItem
from storage.crises import CrisisStart
from storage.severity import Severity, higher_severity

CRISIS_SEVERITIES = frozenset({Severity.P1, Severity.P2})


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
