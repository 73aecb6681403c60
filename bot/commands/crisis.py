"""What /status says about crisis mode: which story put which feeds into it, and until when."""

from __future__ import annotations

from datetime import datetime

from bot.commands.naming import Names
from bot.context import BotContext
from bot.i18n import _, ngettext
from bot.replies import escape
from storage.crises import active_crises


async def crisis_lines(ctx: BotContext, names: Names, now: datetime) -> list[str]:
    """One line per crisis in force at `now` (none when crisis mode is off): the story that started it with
    its severity and entities, since and until when, and how many feeds are polled at the crisis interval."""
    lines = []
    for crisis in await active_crises(ctx.db, now):
        entities = ", ".join(names.name(entity_id) for entity_id in crisis.entity_ids)
        feeds = ngettext(
            "{n} feed that reports on them is polled every {seconds} s.",
            "{n} feeds that report on them are polled every {seconds} s.",
            crisis.feeds,
        ).format(n=crisis.feeds, seconds=ctx.settings.crisis_poll_interval)
        lines.append(
            _("Crisis mode {since}–{until} UTC: [{severity}] {title} ({entities}). {feeds}").format(
                since=crisis.started_at.strftime("%H:%M"),
                until=crisis.ends_at.strftime("%H:%M"),
                severity=crisis.severity,
                title=escape(crisis.title),
                entities=escape(entities),
                feeds=feeds,
            )
        )
    return lines
