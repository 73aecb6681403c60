"""User commands that read stored history: /status [entity], /latest [n] [entity], /search, /entities."""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import Update

from bot.arguments import command_arguments
from bot.commands.crisis import crisis_lines
from bot.commands.naming import EntityRef, Names
from bot.context import BotCallbackContext, BotContext
from bot.i18n import N_, _, ngettext
from bot.replies import escape, fit, history_line, quoted, reply, sparkline, usage, utc_time
from bot.time_limits import time_limited
from bot.web.outputs import api_url, feed_url
from storage import chats, history
from storage.admins import is_admin
from storage.models import ALL_ENTITIES
from storage.quarantine import quarantine_counts
from storage.severity import LEVELS

DEFAULT_LATEST = 5
MAX_LATEST = 20
SEARCH_RESULTS = 10
STATUS_STORIES = 5
SPARK_DAYS = 7
SEVERITY_ORDER = (*LEVELS, history.UNRATED)
KIND_TITLES = {
    "conflict": N_("Conflict"),
    "place": N_("Places"),
    "project": N_("Projects"),
    "org": N_("Organisations"),
    "person": N_("People"),
    "treaty": N_("Treaties"),
    "event": N_("Events"),
    "process": N_("Processes"),
}


def _counts(by_severity: dict[str, int]) -> str:
    total = sum(by_severity.values())
    if total == 0:
        return "0"
    parts = [
        f"{_('unrated') if level == history.UNRATED else level} {by_severity[level]}"
        for level in SEVERITY_ORDER
        if by_severity.get(level)
    ]
    return f"{total} ({', '.join(parts)})"


def _unknown_entity(names: Names, text: str) -> str:
    suggestions = names.suggest(text)
    hint = (
        " " + _("Did you mean {names}?").format(names=", ".join(escape(s.name) for s in suggestions))
        if suggestions
        else ""
    )
    return (
        _("Unknown entity {phrase}.").format(phrase=quoted(text))
        + hint
        + " "
        + _("/entities lists them all.")
    )


async def _subscribed_ids(ctx: BotContext, names: Names, chat_id: int) -> list[str] | None:
    """The chat's entity ids (every tracked one for "all"), or None when it follows nothing."""
    subscribed = await chats.list_subscriptions(ctx.db, chat_id)
    if not subscribed:
        return None
    if ALL_ENTITIES in subscribed:
        return [entity.id for entity in names.entities]
    return subscribed


@time_limited
async def status(update: Update, context: BotCallbackContext) -> None:
    """/status: 24 h and 7 d counts by severity per subscribed entity and the latest alert; for bot admins
    also feed health and the delivery backlog. /status <entity>: its latest stories and daily counts."""
    ctx = context.ctx
    chat = update.effective_chat
    if chat is None:
        return
    names = Names(ctx.gazetteer)
    text = command_arguments(update)
    if text:
        entity = names.resolve(text)
        if entity is None:
            await reply(update, _unknown_entity(names, text))
            return
        await reply(update, await _entity_status(ctx, entity))
        return
    now = ctx.clock()
    lines = [_("<b>Status</b> at {time}").format(time=utc_time(now)), *_as_a_feed(ctx, None)]
    lines.extend(await crisis_lines(ctx, names, now))
    entity_ids = await _subscribed_ids(ctx, names, chat.id)
    if entity_ids is None:
        lines.append(_("This chat follows nothing yet. /subscribe to pick entities."))
    else:
        day = await history.count_by_severity(ctx.db, entity_ids, now - timedelta(hours=24), now)
        week = await history.count_by_severity(ctx.db, entity_ids, now - timedelta(days=7), now)
        quiet_ones = []
        for entity_id in sorted(entity_ids, key=lambda e: names.name(e).casefold()):
            if entity_id not in week:
                quiet_ones.append(names.name(entity_id))
                continue
            lines.append(
                _("{name} — 24 h: {day} · 7 d: {week}").format(
                    name=escape(names.name(entity_id)),
                    day=_counts(day.get(entity_id, {})),
                    week=_counts(week[entity_id]),
                )
            )
        if quiet_ones:
            lines.append(_("Nothing in 7 days: {names}.").format(names=escape(", ".join(quiet_ones))))
        alert = await history.last_alert(ctx.db, chat.id)
        if alert is None:
            lines.append(_("No alert sent to this chat yet."))
        else:
            lines.append(
                _("Latest alert: ")
                + history_line(alert.title, alert.link, alert.source, alert.sent_at, alert.severity)
            )
    user = update.effective_user
    if user is not None and await is_admin(ctx.db, user.id, ctx.settings.admin_ids):
        health = await history.feed_health(ctx.db)
        backlog = await history.delivery_backlog(ctx.db)
        failing = f": {escape(', '.join(health.failing))}" if health.failing else ""
        lines.append(
            _("Feeds: {ok} ok, {failing} failing{names}.").format(
                ok=health.ok, failing=len(health.failing), names=failing
            )
        )
        lines.append(
            _("Deliveries: {pending} pending, {dead} dead.").format(
                pending=backlog.pending, dead=backlog.dead
            )
        )
        if ctx.settings.paid_broadcast:  # off, Telegram charges nothing: no line to read
            paid = await history.alert_messages_sent(ctx.db, now - timedelta(hours=24), now)
            lines.append(
                ngettext(
                    "Paid broadcast: {n} alert message in the last 24 h (Telegram charges Stars for each).",
                    "Paid broadcast: {n} alert messages in the last 24 h (Telegram charges Stars for each).",
                    paid,
                ).format(n=paid)
            )
        held = await quarantine_counts(ctx.db)
        if held.total:
            lines.append(
                _(
                    "Quarantined (cannot be processed; the error is kept with each): {alerts} alerts, "
                    "{updates} alert updates, {digests} digests."
                ).format(alerts=held.alerts, updates=held.updates, digests=held.digests)
            )
    await reply(update, fit(lines))


async def _entity_status(ctx: BotContext, entity: EntityRef) -> str:
    now = ctx.clock()
    daily = await history.daily_counts(ctx.db, entity.id, SPARK_DAYS, now)
    day = await history.count_by_severity(ctx.db, [entity.id], now - timedelta(hours=24), now)
    week = await history.count_by_severity(ctx.db, [entity.id], now - timedelta(days=7), now)
    first = (now - timedelta(days=SPARK_DAYS - 1)).strftime("%d %b")
    lines = [
        _("<b>{name}</b> at {time}").format(name=escape(entity.name), time=utc_time(now)),
        _("24 h: {day} · 7 d: {week}").format(
            day=_counts(day.get(entity.id, {})), week=_counts(week.get(entity.id, {}))
        ),
        _("Stories per day, {first} – today (UTC): {spark} {counts}").format(
            first=first, spark=sparkline(daily), counts=" ".join(map(str, daily))
        ),
        *_as_a_feed(ctx, entity.id),
    ]
    stories = await history.latest_stories(ctx.db, [entity.id], STATUS_STORIES)
    if stories:
        lines.append(_("Latest stories:"))
        lines.extend(history_line(s.title, s.link, s.source, s.published, s.severity) for s in stories)
    else:
        lines.append(_("No stored stories yet."))
    return fit(lines)


def _as_a_feed(ctx: BotContext, entity_id: str | None) -> list[str]:
    """The line linking the public Atom feed and JSON API of `entity_id` (all stories when None), when
    BORDERWATCH_PUBLIC_URL says where they are."""
    public = ctx.settings.public_url
    if public is None:
        return []
    atom = f'<a href="{escape(feed_url(public, entity_id))}">Atom</a>'
    json = f'<a href="{escape(api_url(public, entity_id))}">JSON</a>'
    return [_("As a feed: {atom} · {json}").format(atom=atom, json=json)]


_NUMBER = re.compile(r"^[+-]?\d+$")


@time_limited
async def latest(update: Update, context: BotCallbackContext) -> None:
    """/latest [n] [entity]: the n (default 5, at most 20) latest stories, of one entity or this chat's."""
    ctx = context.ctx
    chat = update.effective_chat
    if chat is None:
        return
    names = Names(ctx.gazetteer)
    words = command_arguments(update).split()
    count = DEFAULT_LATEST
    number_at = 0 if words and _NUMBER.match(words[0]) else -1 if words and _NUMBER.match(words[-1]) else None
    if number_at is not None:
        count = int(words.pop(number_at))
        if not 1 <= count <= MAX_LATEST:
            await reply(update, usage("latest"))
            return
    if words:
        entity = names.resolve(" ".join(words))
        if entity is None:
            await reply(update, _unknown_entity(names, " ".join(words)))
            return
        entity_ids: list[str] | None = [entity.id]
        scope = escape(entity.name)
    else:
        entity_ids = await _subscribed_ids(ctx, names, chat.id)
        scope = None
    stories = await history.latest_stories(ctx.db, entity_ids, count)
    lines = [_latest_title(len(stories), scope, entity_ids is not None)]
    if not stories:
        await reply(update, lines[0])
        return
    lines.extend(history_line(s.title, s.link, s.source, s.published, s.severity) for s in stories)
    await reply(update, fit(lines))


def _latest_title(found: int, entity_name: str | None, subscriptions: bool) -> str:
    """The first line of /latest: how many stories, on one entity, the chat's subscriptions or anything."""
    if entity_name is not None:
        if not found:
            return _("No stored stories on {name} yet.").format(name=entity_name)
        text = ngettext("Latest {n} story on {name}:", "Latest {n} stories on {name}:", found)
        return text.format(n=found, name=entity_name)
    if subscriptions:
        if not found:
            return _("No stored stories for this chat's subscriptions yet.")
        text = ngettext(
            "Latest {n} story for this chat's subscriptions:",
            "Latest {n} stories for this chat's subscriptions:",
            found,
        )
        return text.format(n=found)
    if not found:
        return _("No stored stories yet.")
    return ngettext("Latest {n} story:", "Latest {n} stories:", found).format(n=found)


@time_limited
async def search(update: Update, context: BotCallbackContext) -> None:
    """/search <words>: stored items containing every word (or a word starting so), newest first."""
    ctx = context.ctx
    text = command_arguments(update)
    if not history.search_words(text):
        await reply(update, usage("search"))
        return
    stories = await history.search_items(ctx.db, text, SEARCH_RESULTS)
    if not stories:
        await reply(update, _("Nothing stored matches {text}.").format(text=quoted(text)))
        return
    lines = [
        ngettext(
            "{n} story matches {text}, newest first:", "{n} stories match {text}, newest first:", len(stories)
        ).format(n=len(stories), text=quoted(text))
    ]
    lines.extend(history_line(s.title, s.link, s.source, s.published, s.severity) for s in stories)
    await reply(update, fit(lines))


async def entities(update: Update, context: BotCallbackContext) -> None:
    """/entities: every tracked entity by kind, display name with its id."""
    ctx = context.ctx
    names = Names(ctx.gazetteer)
    if not names.entities:
        await reply(update, _("No entities are tracked yet."))
        return
    by_kind: dict[str, list[EntityRef]] = {}
    for entity in names.entities:
        by_kind.setdefault(entity.kind, []).append(entity)
    lines = [
        ngettext(
            "<b>{n} tracked entity</b> (name them by id or any alias):",
            "<b>{n} tracked entities</b> (name them by id or any alias):",
            len(names.entities),
        ).format(n=len(names.entities))
    ]
    for kind, members in by_kind.items():
        shown = ", ".join(
            f"{escape(e.name)} ({escape(e.id)})" for e in sorted(members, key=lambda e: e.name.casefold())
        )
        kind_title = _(KIND_TITLES[kind]) if kind in KIND_TITLES else kind.title()
        lines.append(f"<b>{escape(kind_title)}</b>: {shown}")
    await reply(update, fit(lines))
