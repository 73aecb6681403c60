"""Admin commands: feeds, entities, admins, delivery pause, export/import and the audit log.

Every handler goes through `bot.admin_auth.admin_command` (user-id check + audit entry) and answers in
Telegram HTML with everything the user typed escaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.admin_auth import admin_command, command_arguments
from bot.context import BotContext
from bot.feed_alerts import schedule_feed_notices
from bot.replies import escape, fit, quoted, reply, utc_time
from bot.validate import (
    InvalidArgument,
    validate_alias,
    validate_count,
    validate_entity_id,
    validate_name,
    validate_title,
    validate_url,
    validate_user_id,
)
from feeds.definitions import GazetteerError
from feeds.fetch import Fetcher
from feeds.gazetteer import EntityInfo, Gazetteer, gazetteer_in_session
from feeds.opml import OpmlError, OpmlFeed, read_opml, write_opml
from feeds.parse import parse_feed
from storage.admins import add_admin, list_admins, remove_admin
from storage.audit import latest_audit
from storage.deliveries import delivery_paused, set_delivery_paused
from storage.entities import add_alias, add_entity, list_chat_aliases, list_entities, untrack_entity
from storage.errors import BorderwatchError
from storage.feed_admin import (
    FeedStatus,
    count_feed_items,
    feed_status_page,
    set_feed_enabled,
    set_feed_own_title,
)
from storage.feeds import add_feed, get_feed, get_feed_by_url, list_feeds

log = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]

FEEDS_PAGE_SIZE = 8
FEEDS_PAGE_PREFIX = "feeds:"
MAX_AUDIT_ENTRIES = 50
MAX_IMPORT_BYTES = 1024 * 1024
MAX_ERROR_SHOWN = 300

ADMIN_USAGE: dict[str, str] = {
    "addfeed": "/addfeed <url> [title] — e.g. /addfeed https://example.org/rss.xml Example News",
    "rmfeed": "/rmfeed <id|url> — e.g. /rmfeed 3",
    "track": "/track <id> <name> [; alias; alias …] — e.g. /track sev_lake Sev Lake; Lake Sev; Սև լիճ",
    "alias": "/alias <entity> <alias> (or /alias <entity>; <alias>) — e.g. /alias sev_lake Black Lake",
    "untrack": "/untrack <entity> — e.g. /untrack sev_lake",
    "addadmin": "/addadmin <user_id> — e.g. /addadmin 123456789",
    "rmadmin": "/rmadmin <user_id> — e.g. /rmadmin 123456789",
    "audit": f"/audit [n] — n from 1 to {MAX_AUDIT_ENTRIES}, e.g. /audit 20",
    "import": "/import — send an OPML file with /import as its caption",
}


def admin_usage(command: str) -> str:
    """The usage line of an admin command, escaped for HTML."""
    return "Usage: " + escape(ADMIN_USAGE[command])


def _shorten(text: str, limit: int = MAX_ERROR_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------ feeds


@contextlib.asynccontextmanager
async def _fetcher(ctx: BotContext) -> AsyncIterator[Fetcher]:
    """The runtime's shared fetcher when it registered one (ctx.extras["fetcher"]), else a short-lived one."""
    shared = ctx.extras.get("fetcher")
    if isinstance(shared, Fetcher):
        yield shared
        return
    fetcher = Fetcher(ctx.settings, clock=ctx.clock)
    try:
        yield fetcher
    finally:
        await fetcher.aclose()


@admin_command("addfeed")
async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/addfeed <url> [title]: fetch the feed once (through the URL guard) and store it when it parses."""
    parts = command_arguments(update.effective_message).split(maxsplit=1)
    if not parts:
        await reply(update, admin_usage("addfeed"))
        return "usage"
    url = validate_url(parts[0])
    title = validate_title(parts[1]) if len(parts) == 2 else None
    async with ctx.db.transaction() as session:
        existing = await get_feed_by_url(session, url)
    if existing is not None and existing.enabled:
        await reply(
            update, f"Feed #{existing.id} ({escape(existing.name)}) is already there: {quoted(url, 200)}."
        )
        return f"duplicate of #{existing.id}"
    try:
        async with _fetcher(ctx) as fetcher:
            response = await fetcher.fetch(url)
        parsed = await asyncio.to_thread(parse_feed, response.body, response.headers, response.url)
    except BorderwatchError as exc:
        await reply(update, f"Not added: {escape(_shorten(str(exc)))}")
        return f"refused: {exc}"
    shown_title = title or parsed.title or url
    async with ctx.db.transaction() as session:
        if existing is not None:
            await set_feed_enabled(session, existing.id, True, now=ctx.clock(), title=title)
            feed_id, created = existing.id, True
        else:
            record, created = await add_feed(
                session, url, now=ctx.clock(), title=title, interval_seconds=ctx.settings.poll_interval
            )
            feed_id = record.id
        if created:
            await set_feed_own_title(session, feed_id, parsed.title)
    if not created:
        await reply(update, f"Feed #{feed_id} is already there: {quoted(url, 200)}.")
        return f"duplicate of #{feed_id}"
    count = len(parsed.entries)
    items = f"{count} item{'' if count == 1 else 's'}"
    again = " again (its stored items were kept)" if existing is not None else ""
    await reply(
        update,
        f"Added feed #{feed_id}{again}: <b>{escape(shown_title)}</b> — {items}."
        " They are kept as history; items published from now on alert.",
    )
    return f"feed #{feed_id}, {count} items"


@admin_command("rmfeed")
async def rmfeed(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/rmfeed <id|url>: stop polling a feed; its stored items stay (history, /latest, /search)."""
    argument = command_arguments(update.effective_message)
    if not argument or len(argument.split()) != 1:
        await reply(update, admin_usage("rmfeed"))
        return "usage"
    async with ctx.db.transaction() as session:
        if argument.lstrip("#").isdigit() and argument.lstrip("#").isascii():
            feed = await get_feed(session, int(argument.lstrip("#")))
        else:
            feed = await get_feed_by_url(session, validate_url(argument))
        if feed is None or not feed.enabled:
            raise InvalidArgument(f"No feed {quoted(argument, 200)}. /feeds lists them with their ids.")
        await set_feed_enabled(session, feed.id, False, now=ctx.clock())
        stored = await count_feed_items(session, feed.id)
    await reply(
        update,
        f"Removed feed #{feed.id} ({escape(feed.name)}): no longer polled; its {stored} stored items stay.",
    )
    return f"feed #{feed.id}"


def _feed_lines(statuses: list[FeedStatus]) -> list[str]:
    lines: list[str] = []
    for feed in statuses:
        if not feed.enabled:
            state = "paused (removed; stored items kept)"
        elif feed.failing_since is not None:
            error = escape(_shorten(feed.last_error or "unknown error", 200))
            state = f"failing since {utc_time(feed.failing_since)}: {error}"
        else:
            state = "ok"
        last = utc_time(feed.last_new_item_at) if feed.last_new_item_at else "never"
        polled = f"next poll {utc_time(feed.next_poll_at)}" if feed.enabled else "not polled"
        lines.append(
            f"<b>#{feed.id}</b> {escape(_shorten(feed.name, 100))} — {state}\n"
            f"    last new item {last} · {feed.items_24h} in 24 h · {polled}"
        )
    return lines


async def _feeds_page(ctx: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    statuses, total = await feed_status_page(
        ctx.db, ctx.clock(), offset=page * FEEDS_PAGE_SIZE, limit=FEEDS_PAGE_SIZE
    )
    if total == 0:
        return "No feeds yet. Add one with /addfeed &lt;url&gt;.", None
    pages = (total + FEEDS_PAGE_SIZE - 1) // FEEDS_PAGE_SIZE
    if not statuses:  # the page emptied since the button was drawn
        return await _feeds_page(ctx, pages - 1)
    header = f"Feeds ({total}), page {page + 1} of {pages}:"
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton("‹ Previous", callback_data=f"{FEEDS_PAGE_PREFIX}{page - 1}"))
    if page + 1 < pages:
        buttons.append(InlineKeyboardButton("Next ›", callback_data=f"{FEEDS_PAGE_PREFIX}{page + 1}"))
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    return fit([header, *_feed_lines(statuses)]), markup


@admin_command("feeds")
async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/feeds: every feed with its status, last new item, items in 24 h and next poll, paged."""
    text, markup = await _feeds_page(ctx, 0)
    await reply(update, text, reply_markup=markup)
    return None


@admin_command("feeds")
async def feeds_page_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext
) -> str | None:
    """The ‹ Previous / Next › buttons of /feeds: redraw the message with the page asked for."""
    query = update.callback_query
    assert query is not None
    number = (query.data or "").removeprefix(FEEDS_PAGE_PREFIX)
    page = int(number) if number.isascii() and number.isdigit() else 0
    text, markup = await _feeds_page(ctx, page)
    await query.answer()
    with contextlib.suppress(TelegramError):  # "message is not modified" when pressed twice
        await query.edit_message_text(
            text, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True
        )
    return f"page {page + 1}"


# ------------------------------------------------------------------------------------ export / import


def _opml_feeds(records: list[Any]) -> list[OpmlFeed]:
    return [
        OpmlFeed(feed.url, feed.title_override or feed.title, feed.language, feed.user_agent)
        for feed in records
        if feed.enabled
    ]


@admin_command("export")
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/export: the feeds as an OPML document and the gazetteer as a YAML document."""
    message = update.effective_message
    assert message is not None
    async with ctx.db.transaction() as session:
        records = await list_feeds(session)
    opml = write_opml(_opml_feeds(records))
    await message.reply_document(
        opml.encode(), filename="borderwatch-feeds.opml", caption=f"{len(_opml_feeds(records))} feeds"
    )
    yaml_text, entity_count = await gazetteer_yaml(ctx)
    await message.reply_document(
        yaml_text.encode(), filename="borderwatch-entities.yaml", caption=f"{entity_count} entities"
    )
    return f"{len(_opml_feeds(records))} feeds, {entity_count} entities"


async def gazetteer_yaml(ctx: BotContext) -> tuple[str, int]:
    """The gazetteer in force (active entities, chat-added aliases folded in) as a YAML document that
    BORDERWATCH_ENTITIES can load, and how many entities it holds."""
    async with ctx.db.transaction() as session:
        rows = await list_entities(session)
        extra = await list_chat_aliases(session)
    entities = []
    for row in rows:
        definition = dict(row.definition)
        aliases = {language: list(items) for language, items in dict(definition.get("aliases") or {}).items()}
        for text, language in extra.get(row.id, []):
            aliases.setdefault(language or "any", []).append(text)
        definition["aliases"] = aliases
        entities.append(definition)
    header = "# borderwatch gazetteer, exported from chat with /export (loadable as BORDERWATCH_ENTITIES)\n"
    return header + yaml.safe_dump({"entities": entities}, allow_unicode=True, sort_keys=False), len(entities)


@admin_command("import")
async def import_opml(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/import as the caption of an OPML document: add its feeds; report added / skipped / invalid."""
    message = update.effective_message
    document = message.document if message is not None else None
    if document is None:
        await reply(update, admin_usage("import"))
        return "usage"
    if document.file_size is not None and document.file_size > MAX_IMPORT_BYTES:
        raise InvalidArgument(f"The file is too large (at most {MAX_IMPORT_BYTES // 1024} KB).")
    telegram_file = await context.bot.get_file(document.file_id)
    data = bytes(await telegram_file.download_as_bytearray())
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidArgument(f"The file is too large (at most {MAX_IMPORT_BYTES // 1024} KB).")
    invalid: list[str] = []
    try:
        entries = read_opml(data, document.file_name or "OPML", invalid=invalid)
    except OpmlError as exc:
        raise InvalidArgument(f"Not imported: {escape(_shorten(str(exc)))}") from None
    added: list[str] = []
    skipped: list[str] = []
    async with ctx.db.transaction() as session:
        for entry in entries:
            try:
                url = validate_url(entry.url)
                title = validate_title(entry.title) if entry.title else None
            except InvalidArgument:
                invalid.append(entry.url)
                continue
            existing = await get_feed_by_url(session, url)
            if existing is not None and existing.enabled:
                skipped.append(url)
                continue
            if existing is not None:
                await set_feed_enabled(session, existing.id, True, now=ctx.clock(), title=title)
            else:
                await add_feed(
                    session,
                    url,
                    now=ctx.clock(),
                    title=title,
                    language=(entry.language or "")[:16] or None,
                    user_agent=(entry.user_agent or "")[:500] or None,
                    interval_seconds=ctx.settings.poll_interval,
                )
            added.append(url)
    lines = [f"Imported: {len(added)} added, {len(skipped)} skipped (already there), {len(invalid)} invalid."]
    lines += [f"invalid: {quoted(url, 120)}" for url in invalid[:20]]
    await reply(update, fit(lines))
    return f"{len(added)} added, {len(skipped)} skipped, {len(invalid)} invalid"


# ------------------------------------------------------------------------------------ entities


def _entity_lock(ctx: BotContext) -> asyncio.Lock:
    # entity changes are serialised so the gazetteer swapped in last is always built from the latest rows
    lock = ctx.extras.get("entity_lock")
    if not isinstance(lock, asyncio.Lock):
        lock = ctx.extras["entity_lock"] = asyncio.Lock()
    return lock


async def _rebuild_gazetteer(session: AsyncSession, ctx: BotContext) -> Gazetteer:
    """The gazetteer from the rows as they are inside `session` (raises GazetteerError before the commit)."""
    severity = ctx.gazetteer.severity if ctx.gazetteer is not None else None
    return await gazetteer_in_session(session, severity)


def _resolve(ctx: BotContext, name: str) -> EntityInfo:
    entity = ctx.gazetteer.resolve(name) if ctx.gazetteer is not None else None
    if entity is None:
        suggestions = ctx.gazetteer.suggest(name) if ctx.gazetteer is not None else []
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else " /entities lists them."
        raise InvalidArgument(f"No tracked entity {quoted(name)}.{hint}")
    assert isinstance(entity, EntityInfo)
    return entity


def _check_free(ctx: BotContext, text: str, entity_id: str) -> None:
    """Refuse a name or alias that already names another entity."""
    other = ctx.gazetteer.resolve(text) if ctx.gazetteer is not None else None
    if other is not None and other.id != entity_id:
        raise InvalidArgument(f"{quoted(text)} already names {escape(other.name)} ({other.id}).")


@admin_command("track")
async def track(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/track <id> <name> [; alias; alias …]: track a new entity, in force for the next item."""
    parts = command_arguments(update.effective_message).split(maxsplit=1)
    if len(parts) < 2:
        await reply(update, admin_usage("track"))
        return "usage"
    entity_id = validate_entity_id(parts[0])
    texts = parts[1].split(";")
    name = validate_name(texts[0])
    aliases = list(dict.fromkeys(validate_alias(text) for text in texts[1:]))
    for text in [name, *aliases]:
        _check_free(ctx, text, entity_id)
    async with _entity_lock(ctx):
        try:
            async with ctx.db.transaction() as session:
                await add_entity(session, entity_id, name, aliases)
                gazetteer = await _rebuild_gazetteer(session, ctx)
        except ValueError:
            raise InvalidArgument(
                f"{entity_id} is already tracked; add names with /alias {entity_id} …"
            ) from None
        except GazetteerError as exc:
            raise InvalidArgument(f"Not tracked: {escape(str(exc))}") from None
        ctx.gazetteer = gazetteer
    shown = "; ".join(escape(alias) for alias in aliases)
    also = f", also named {shown}" if aliases else ""
    await reply(
        update, f"Now tracking <b>{escape(name)}</b> ({entity_id}){also}. New items are tagged from now on."
    )
    return entity_id


def _alias_arguments(arguments: str) -> tuple[str, str]:
    if ";" in arguments:
        entity, alias = arguments.split(";", 1)
        return entity.strip(), alias.strip()
    parts = arguments.split(maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (arguments, "")


@admin_command("alias")
async def alias(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/alias <entity> <alias>: one more name for a tracked entity, in force for the next item."""
    entity_name, text = _alias_arguments(command_arguments(update.effective_message))
    if not entity_name or not text:
        await reply(update, admin_usage("alias"))
        return "usage"
    entity = _resolve(ctx, entity_name)
    text = validate_alias(text)
    _check_free(ctx, text, entity.id)
    if ctx.gazetteer.resolve(text) is not None:
        await reply(update, f"{quoted(text)} is already a name of {escape(entity.name)}.")
        return "already there"
    user = update.effective_user
    async with _entity_lock(ctx):
        try:
            async with ctx.db.transaction() as session:
                added = await add_alias(session, entity.id, text, added_by=user.id if user else None)
                gazetteer = await _rebuild_gazetteer(session, ctx)
        except GazetteerError as exc:
            raise InvalidArgument(f"Alias not added: {escape(str(exc))}") from None
        ctx.gazetteer = gazetteer
    if not added:
        await reply(update, f"{quoted(text)} is already a name of {escape(entity.name)}.")
        return "already there"
    await reply(update, f"{quoted(text)} now names <b>{escape(entity.name)}</b> ({entity.id}).")
    return f"{entity.id}: {text}"


@admin_command("untrack")
async def untrack(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/untrack <entity>: stop tagging new items with an entity (stored tags and the row stay)."""
    name = command_arguments(update.effective_message)
    if not name:
        await reply(update, admin_usage("untrack"))
        return "usage"
    entity = _resolve(ctx, name)
    async with _entity_lock(ctx):
        async with ctx.db.transaction() as session:
            await untrack_entity(session, entity.id)
            gazetteer = await _rebuild_gazetteer(session, ctx)
        ctx.gazetteer = gazetteer
    await reply(
        update,
        f"Stopped tracking <b>{escape(entity.name)}</b> ({entity.id}). Stored items keep their tags; "
        f"/track {entity.id} &lt;name&gt; tracks it again.",
    )
    return entity.id


# ------------------------------------------------------------------------------------ admins


@admin_command("admins")
async def admins(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/admins: every admin with their name and where they come from."""
    lines = ["Bot admins:"]
    for admin in await list_admins(ctx.db, ctx.settings.admin_ids):
        name = escape(admin.name) if admin.name else "(name not seen yet)"
        origin = "from BORDERWATCH_ADMINS" if admin.from_environment else f"added by {admin.added_by}"
        lines.append(f"• {name} — <code>{admin.user_id}</code>, {origin}")
    await reply(update, fit(lines))
    return None


@admin_command("addadmin")
async def addadmin(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/addadmin <user_id>: make a Telegram user a bot admin."""
    argument = command_arguments(update.effective_message)
    if not argument:
        await reply(update, admin_usage("addadmin"))
        return "usage"
    user_id = validate_user_id(argument)
    name: str | None = None
    with contextlib.suppress(TelegramError):  # Telegram knows only users who talked to the bot
        chat = await context.bot.get_chat(user_id)
        name = chat.full_name or chat.username or None
    user = update.effective_user
    assert user is not None
    added = await add_admin(
        ctx.db, user_id, added_by=user.id, seed_ids=ctx.settings.admin_ids, now=ctx.clock(), name=name
    )
    if not added:
        await reply(update, f"<code>{user_id}</code> is already an admin.")
        return "already an admin"
    shown = f"{escape(name)} (<code>{user_id}</code>)" if name else f"<code>{user_id}</code>"
    await reply(update, f"{shown} is now a bot admin.")
    return None


@admin_command("rmadmin")
async def rmadmin(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/rmadmin <user_id>: remove an admin added in chat; never the last admin."""
    argument = command_arguments(update.effective_message)
    if not argument:
        await reply(update, admin_usage("rmadmin"))
        return "usage"
    user_id = validate_user_id(argument)
    outcome = await remove_admin(ctx.db, user_id, seed_ids=ctx.settings.admin_ids)
    answers = {
        "removed": f"<code>{user_id}</code> is no longer a bot admin.",
        "not_admin": f"<code>{user_id}</code> is not an admin.",
        "from_environment": f"<code>{user_id}</code> is an admin through BORDERWATCH_ADMINS; "
        "remove it there and restart.",
        "last_admin": f"<code>{user_id}</code> is the last admin and cannot be removed.",
    }
    await reply(update, answers[outcome])
    return outcome


# ------------------------------------------------------------------------------------ delivery


@admin_command("pause")
async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/pause: stop every delivery; pending alerts are kept and go out after /resume."""
    was = await delivery_paused(ctx.db)
    await set_delivery_paused(ctx.db, True)
    await reply(
        update, "Delivery was already paused." if was else "Delivery paused. Pending alerts are kept."
    )
    return None


@admin_command("resume")
async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/resume: restart delivery, pending alerts first."""
    was = await delivery_paused(ctx.db)
    await set_delivery_paused(ctx.db, False)
    await reply(update, "Delivery resumed." if was else "Delivery was not paused.")
    return None


# ------------------------------------------------------------------------------------ audit


@admin_command("audit")
async def audit(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/audit [n]: the latest n audit entries (default 10), newest first."""
    argument = command_arguments(update.effective_message)
    limit = validate_count(argument, maximum=MAX_AUDIT_ENTRIES) if argument else 10
    entries = await latest_audit(ctx.db, limit)
    lines = [f"Latest {len(entries)} admin commands:"]
    for entry in entries:
        shown = f"/{entry.command}" + (f" {quoted(entry.arguments, 60)}" if entry.arguments else "")
        lines.append(f"• {_time(entry.at)} — <code>{entry.user_id}</code> {shown} — {entry.outcome}")
    await reply(update, fit(lines))
    return None


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# ------------------------------------------------------------------------------------ registration

# (command, callback, description for an admin command menu)
ADMIN_COMMANDS: list[tuple[str, Callback, str]] = [
    ("addfeed", addfeed, "Add a feed: /addfeed <url> [title]"),
    ("rmfeed", rmfeed, "Remove a feed: /rmfeed <id|url>"),
    ("feeds", feeds, "Every feed with its status"),
    ("track", track, "Track an entity: /track <id> <name> [; alias …]"),
    ("alias", alias, "Another name for an entity: /alias <entity> <alias>"),
    ("untrack", untrack, "Stop tracking an entity: /untrack <entity>"),
    ("admins", admins, "Bot admins"),
    ("addadmin", addadmin, "Add an admin: /addadmin <user_id>"),
    ("rmadmin", rmadmin, "Remove an admin: /rmadmin <user_id>"),
    ("pause", pause, "Pause all alerts"),
    ("resume", resume, "Resume alerts"),
    ("export", export, "Feeds as OPML, gazetteer as YAML"),
    ("import", import_opml, "Import feeds: send an OPML file with /import as caption"),
    ("audit", audit, "Latest admin commands: /audit [n]"),
]

COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
IMPORT_CAPTION = filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)")


def register_admin_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every admin command, /import's document handler and the /feeds page buttons to `application`,
    and schedule the failing-feed notices (bot.feed_alerts) on its job queue when it has one."""
    application.add_handler(MessageHandler(IMPORT_CAPTION & COMMAND_UPDATES, import_opml))
    for name, callback, _description in ADMIN_COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=COMMAND_UPDATES))
    application.add_handler(CallbackQueryHandler(feeds_page_pressed, pattern=f"^{FEEDS_PAGE_PREFIX}\\d+$"))
    if application.job_queue is not None:
        schedule_feed_notices(application)
