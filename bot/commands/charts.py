"""/chart [entity] [days]: a PNG of stories per day, by severity for one entity, or comparing the chat's
subscribed entities. Drawn on threads of their own, a bounded number at once (bot.charts.ChartDrawer), and
cached (bot.charts.ChartCache)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from telegram import InputFile, Update

from bot.arguments import command_arguments
from bot.charts import (
    MAX_COMPARED,
    ChartCache,
    ChartDrawer,
    ChartsBusy,
    ChartText,
    Series,
    comparison_chart,
    severity_chart,
)
from bot.commands.history import _subscribed_ids, _unknown_entity
from bot.commands.naming import EntityRef, Names
from bot.context import BotCallbackContext, BotContext
from bot.i18n import _, current_language, ngettext
from bot.replies import escape, reply, usage
from bot.time_limits import time_limited
from storage import history

DEFAULT_DAYS = 7
MAX_DAYS = 90
_NUMBER = re.compile(r"^[+-]?\d+$")


def chart_cache(ctx: BotContext) -> ChartCache:
    """The process's chart cache (made when first asked for)."""
    if ctx.chart_cache is None:
        ctx.chart_cache = ChartCache()
    return ctx.chart_cache


def chart_drawer(ctx: BotContext) -> ChartDrawer:
    """The process's chart drawer (made when first asked for)."""
    if ctx.chart_drawer is None:
        ctx.chart_drawer = ChartDrawer()
    return ctx.chart_drawer


def _period(now: datetime, days: int) -> str:
    first = now - timedelta(days=days - 1)
    return _("{first} – {last} (UTC), {days} days").format(
        first=first.strftime("%d.%m.%Y"), last=now.strftime("%d.%m.%Y"), days=days
    )


def _text(title: str, now: datetime, days: int) -> ChartText:
    return ChartText(title=title, period=_period(now, days), y_label=_("Stories"), unrated=_("unrated"))


async def _entity_chart(ctx: BotContext, entity: EntityRef, days: int, now: datetime) -> tuple[bytes, str]:
    per_day = (await history.daily_counts_by_severity(ctx.db, [entity.id], days, now))[entity.id]
    key = ((entity.id,), days, now.date().isoformat(), current_language())
    data = tuple(tuple(sorted(day.items())) for day in per_day)
    cache = chart_cache(ctx)
    png = cache.get(key, data)
    if png is None:
        text = _text(_("{name} — stories per day by severity").format(name=entity.name), now, days)
        first_day = (now - timedelta(days=days - 1)).date()
        png = await chart_drawer(ctx).draw(severity_chart, per_day, first_day, text)
        cache.put(key, data, png)
    total = sum(sum(day.values()) for day in per_day)
    caption = ngettext(
        "{name}: {n} story in {days} days.", "{name}: {n} stories in {days} days.", total
    ).format(name=escape(entity.name), n=total, days=days)
    return png, caption


async def _comparison_chart(
    ctx: BotContext, names: Names, entity_ids: list[str], days: int, now: datetime
) -> tuple[bytes, str]:
    per_entity = await history.daily_counts_by_severity(ctx.db, entity_ids, days, now)
    totals = {
        entity_id: tuple(sum(day.values()) for day in per_day) for entity_id, per_day in per_entity.items()
    }
    # the most reported first; a chart of more lines than colours cannot be read on a phone
    shown = sorted(totals, key=lambda e: (-sum(totals[e]), names.name(e).casefold()))[:MAX_COMPARED]
    series = [Series(names.name(entity_id), totals[entity_id]) for entity_id in shown]
    key = (tuple(sorted(entity_ids)), days, now.date().isoformat(), current_language())
    data = tuple((s.name, s.counts) for s in series)
    cache = chart_cache(ctx)
    png = cache.get(key, data)
    if png is None:
        text = _text(_("This chat's entities — stories per day"), now, days)
        first_day = (now - timedelta(days=days - 1)).date()
        png = await chart_drawer(ctx).draw(comparison_chart, series, first_day, text)
        cache.put(key, data, png)
    if len(entity_ids) > len(shown):
        caption = _("The {n} most reported of this chat's {total} entities, {days} days.").format(
            n=len(shown), total=len(entity_ids), days=days
        )
    else:
        caption = ngettext(
            "This chat's {n} entity, {days} days.", "This chat's {n} entities, {days} days.", len(shown)
        ).format(n=len(shown), days=days)
    return png, caption


@time_limited
async def chart(update: Update, context: BotCallbackContext) -> None:
    """/chart <entity> [days]: daily stories by severity (default 7 days, at most 90); /chart [days] alone
    compares this chat's subscribed entities. Answers with a PNG photo and a one-line caption."""
    ctx = context.ctx
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    words = command_arguments(update).split()
    days = DEFAULT_DAYS
    if words and _NUMBER.match(words[-1]):
        days = int(words.pop())
        if not 1 <= days <= MAX_DAYS:
            await reply(update, usage("chart"))
            return
    try:
        await _answer_with_chart(update, ctx, words, days)
    except ChartsBusy:
        await reply(update, _("Too many charts are being drawn right now. Try again in a few seconds."))


async def _answer_with_chart(update: Update, ctx: BotContext, words: list[str], days: int) -> None:
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    names = Names(ctx.gazetteer)
    now = ctx.clock()
    if words:
        entity = names.resolve(" ".join(words))
        if entity is None:
            await reply(update, _unknown_entity(names, " ".join(words)))
            return
        png, caption = await _entity_chart(ctx, entity, days, now)
        file_name = f"chart-{entity.id}-{days}d.png"
    else:
        entity_ids = await _subscribed_ids(ctx, names, chat.id)
        if not entity_ids:
            await reply(update, _("This chat follows nothing yet. /subscribe to pick entities."))
            return
        png, caption = await _comparison_chart(ctx, names, entity_ids, days, now)
        file_name = f"chart-subscriptions-{days}d.png"
    await message.reply_photo(photo=InputFile(png, filename=file_name), caption=caption, do_quote=False)
