"""What every handler and the delivery loop share, kept in `application.bot_data["ctx"]`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from storage.db import Database
from storage.settings import Settings

if TYPE_CHECKING:
    from telegram.ext import Application


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class BotContext:
    """The database, the settings, the clock and the live gazetteer (swapped when admins change entities)."""

    db: Database
    settings: Settings
    clock: Callable[[], datetime] = system_clock
    # feeds.gazetteer.Gazetteer once loaded; typed loosely so bot/ does not import feeds/ at module load
    gazetteer: Any = None
    # entity changes and reloads of the gazetteer are serialised, so the one swapped in last is the newest
    entity_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    extras: dict[str, Any] = field(default_factory=dict)


def get_context(application: Application[Any, Any, Any, Any, Any, Any]) -> BotContext:
    """The BotContext registered on `application` by bot.app.build_application."""
    ctx = application.bot_data["ctx"]
    assert isinstance(ctx, BotContext)
    return ctx
