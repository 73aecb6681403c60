"""What every handler, the delivery loop and the digest job share: the process's BotContext, and the typed
callback context handlers receive it through (`context.ctx`; python-telegram-bot's ContextTypes)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.topics import ClosedTopics
from storage.clock import Clock, system_clock
from storage.db import Database
from storage.settings import Settings

if TYPE_CHECKING:
    from bot.charts import ChartCache, ChartDrawer
    from feeds.fetch import Fetcher
    from feeds.gazetteer import Gazetteer
    from feeds.parse import ParserPool


@dataclass
class BotContext:
    """The database, the settings, the clock and the live gazetteer (swapped when entities change, here or
    in another process), with what handlers keep between updates."""

    db: Database
    settings: Settings
    clock: Clock = system_clock
    gazetteer: Gazetteer | None = None
    # entity changes and reloads of the gazetteer are serialised, so the one swapped in last is the newest
    entity_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # the fetcher /addfeed uses (a short-lived one when None)
    fetcher: Fetcher | None = None
    # the parser processes /addfeed uses (a short-lived pool when None)
    parser: ParserPool | None = None
    # /chart's drawings, made when first asked for
    chart_cache: ChartCache | None = None
    # /chart's drawing threads, made when first asked for (closed when the bot stops: bot.runtime)
    chart_drawer: ChartDrawer | None = None
    # /missed's "add this alias" offers: button number → (entity id, alias)
    missed_offers: dict[int, tuple[str, str]] = field(default_factory=dict)
    # forum topics found closed: alerts and digests go to General until they are reopened (bot.topics)
    closed_topics: ClosedTopics = field(default_factory=ClosedTopics)

    @property
    def entities(self) -> Gazetteer:
        """The gazetteer in force (loaded on start: bot.runtime, or the test that builds the context)."""
        if self.gazetteer is None:
            raise RuntimeError("the gazetteer is not loaded")
        return self.gazetteer


class BotCallbackContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler gets: `ctx` is the process's BotContext."""

    @property
    def ctx(self) -> BotContext:
        return context_of(self.application)


CONTEXT_TYPES = ContextTypes(context=BotCallbackContext)
BotApplication = Application[
    ExtBot[None], BotCallbackContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


def attach(application: Application[Any, Any, Any, Any, Any, Any], ctx: BotContext) -> None:
    """Make `ctx` the BotContext of `application`'s handlers."""
    application.bot_data[_KEY] = ctx


def context_of(application: Application[Any, Any, Any, Any, Any, Any]) -> BotContext:
    """The BotContext attached to `application`."""
    ctx = application.bot_data[_KEY]
    assert isinstance(ctx, BotContext)
    return ctx


_KEY = "borderwatch"

__all__ = [
    "CONTEXT_TYPES",
    "BotApplication",
    "BotCallbackContext",
    "BotContext",
    "attach",
    "context_of",
    "system_clock",
]
