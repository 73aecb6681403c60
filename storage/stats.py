"""Operational counts for metrics and health: deliveries by status, feeds by state, and a liveness ping."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select, text

from storage.db import Database
from storage.models import Delivery, Feed
from storage.quarantine import QuarantineCounts, quarantine_counts


@dataclass(frozen=True, slots=True)
class OperationalCounts:
    """Deliveries by status (pending, sending, sent, dead, dropped) and feeds by state.

    A feed's state is `disabled` (switched off), `failing` (its last fetch failed), `new` (enabled and
    never fetched successfully yet) or `healthy`. Statuses and states with no rows are absent.
    """

    deliveries_by_status: dict[str, int]
    feeds_by_state: dict[str, int]
    quarantined: QuarantineCounts = field(default_factory=QuarantineCounts)

    @property
    def deliveries_pending(self) -> int:
        """Deliveries not sent yet: waiting or in flight."""
        return self.deliveries_by_status.get("pending", 0) + self.deliveries_by_status.get("sending", 0)

    @property
    def deliveries_dead(self) -> int:
        """Deliveries given up on after their retries."""
        return self.deliveries_by_status.get("dead", 0)


_FEED_STATE = case(
    (Feed.enabled.is_(False), "disabled"),
    (Feed.consecutive_failures > 0, "failing"),
    (Feed.history_loaded.is_(False), "new"),
    else_="healthy",
).label("state")


async def operational_counts(db: Database) -> OperationalCounts:
    """Count deliveries by status, feeds by state and what is quarantined."""
    async with db.transaction() as session:
        deliveries = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
        feeds = await session.execute(select(_FEED_STATE, func.count()).group_by(_FEED_STATE))
        by_status = {str(status): int(n) for status, n in deliveries.all()}
        by_state = {str(state): int(n) for state, n in feeds.all()}
    return OperationalCounts(by_status, by_state, await quarantine_counts(db))


async def ping(db: Database) -> None:
    """Return when the database answers `SELECT 1`; raise the driver's error when it does not."""
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
