"""The hourly prune of what history does not need (storage.prune): old fetch_log rows and finished alerts.

Every process (`run`, any role) runs one; the database lets only one of them prune each hour
(storage.prune.claim_prune_run), and a prune is safe even if two ran at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.worker import BackgroundLoop
from storage.clock import Clock, system_clock
from storage.db import Database
from storage.prune import Pruned, claim_prune_run, prune_history
from storage.settings import Settings

logger = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=1)


async def prune_now(db: Database, settings: Settings, clock: Clock = system_clock) -> Pruned:
    """Prune with the retention of `settings` now, and log how many rows went."""
    pruned = await prune_history(
        db, clock(), fetch_log_days=settings.fetch_log_days, delivery_days=settings.delivery_days
    )
    logger.info(
        "pruned %d fetch_log rows (older than %s days), %d alerts and %d alert edits (older than %s days)",
        pruned.fetch_log,
        settings.fetch_log_days or "∞",
        pruned.deliveries,
        pruned.delivery_updates,
        settings.delivery_days or "∞",
    )
    return pruned


class PruneJob(BackgroundLoop):
    """Prunes once an hour (at start, then every PRUNE_EVERY) unless another process just did."""

    def __init__(self, db: Database, settings: Settings, *, clock: Clock = system_clock) -> None:
        super().__init__("prune")
        self._db = db
        self._settings = settings
        self._clock = clock

    async def round(self) -> bool:
        if self._settings.fetch_log_days == 0 and self._settings.delivery_days == 0:
            return False
        if await claim_prune_run(self._db, self._clock(), PRUNE_EVERY):
            await prune_now(self._db, self._settings, self._clock)
        return False

    def pause(self) -> float:
        return PRUNE_EVERY.total_seconds()


__all__ = ["PRUNE_EVERY", "PruneJob", "prune_now"]
