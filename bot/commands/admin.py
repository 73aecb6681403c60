"""Admin commands: feeds, entities, admins, delivery pause, export/import and the audit log.

Every handler goes through `bot.admin_auth.admin_command` (user-id check + audit entry) and answers in
Telegram HTML with everything the user typed escaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

import yaml
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.admin_auth import admin_command
from bot.arguments import command_arguments
from bot.context import BotCallbackContext, BotContext
from bot.feed_alerts import schedule_feed_notices
from bot.i18n import N_, _, ngettext
from bot.menu import sync_admin_menu
from bot.replies import NO_PREVIEW, answer_press, escape, fit, quoted, reply, utc_time
from bot.time_limits import command_time_limit
from bot.validate import (
    EXACT,
    MAX_ROW_ID,
    InvalidArgument,
    check_alias_is_specific,
    common_words_beside,
    row_id,
    validate_alias,
    validate_count,
    validate_entity_id,
    validate_name,
    validate_title,
    validate_url,
    validate_user_id,
)
from feeds.definitions import GazetteerError
from feeds.errors import ParseError
from feeds.fetch import Fetcher
from feeds.gazetteer import BUNDLED_CONFIG, EntityInfo, build_gazetteer_in_thread
from feeds.guard import AddressPolicy, refused_urls
from feeds.htmlpage import PageSelectors
from feeds.limits import ParseLimits
from feeds.opml import OpmlError, OpmlFeed, read_opml_listing, write_opml
from feeds.parse import ParserPool
from feeds.sources import NewSource, SourceReader, SourceSpec, kind_label, source_spec
from storage.admins import add_admin, list_admins, remove_admin
from storage.audit import AuditRecord, latest_audit
from storage.deliveries import delivery_paused, set_delivery_paused
from storage.errors import BorderwatchError
from storage.feed_admin import (
    FeedStatus,
    feed_status_page,
)
from storage.feeds import NewFeed, add_feeds, get_feed, get_feed_by_url, list_feeds, remove_feed
from storage.gazetteer import GazetteerChange, changing_gazetteer, gazetteer_rows, trying_gazetteer

log = logging.getLogger(__name__)
T = TypeVar("T")

Callback = Callable[[Update, BotCallbackContext], Coroutine[Any, Any, None]]

FEEDS_PAGE_SIZE = 8
MAX_FEEDS_PAGE = MAX_ROW_ID // FEEDS_PAGE_SIZE  # feeds have INTEGER ids: no list has more pages
FEEDS_PAGE_PREFIX = "feeds:"
MAX_AUDIT_ENTRIES = 50
MAX_IMPORT_BYTES = 1024 * 1024
MAX_ERROR_SHOWN = 300

# translated where shown (admin_usage); the command words stay as they are typed; the kinds of source
# (feeds.sources.kind_label) are translated where shown too
KIND_LABELS = (N_("feed"), N_("Telegram channel"), N_("HTML page"))
ADMIN_USAGE: dict[str, str] = {
    "addfeed": N_(
        "/addfeed <url> [title] — e.g. /addfeed https://example.org/rss.xml Example News. A Telegram channel:"
        " /addfeed https://t.me/<channel> (or tg:<channel>, @<channel>). A page without a feed:"
        " /addfeed <url> [title] --html item=<css> title=<css> link=<css> date=<css> [tz=Asia/Yerevan]"
    ),
    "rmfeed": N_("/rmfeed <id|url> — e.g. /rmfeed 3"),
    "track": N_("/track <id> <name> [; alias; alias …] — e.g. /track sev_lake Sev Lake; Lake Sev; Սև լիճ"),
    "alias": N_(
        "/alias <entity> <alias> (or /alias <entity>; <alias>[; exact]) — e.g. /alias sev_lake Black Lake"
        " (exact: an acronym matched only as written)"
    ),
    "untrack": N_("/untrack <entity> — e.g. /untrack sev_lake"),
    "addadmin": N_("/addadmin <user_id> — e.g. /addadmin 123456789"),
    "rmadmin": N_("/rmadmin <user_id> — e.g. /rmadmin 123456789"),
    "audit": N_("/audit [n] — n from 1 to {most}, e.g. /audit 20"),
    "import": N_("/import — send an OPML file with /import as its caption"),
}


def admin_usage(command: str) -> str:
    """The usage line of an admin command in the reply language, escaped for HTML."""
    line = _(ADMIN_USAGE[command]).replace("{most}", str(MAX_AUDIT_ENTRIES))
    return escape(_("Usage: {usage}").format(usage=line))


def _shorten(text: str, limit: int = MAX_ERROR_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------ feeds


@contextlib.asynccontextmanager
async def _fetcher(ctx: BotContext) -> AsyncIterator[Fetcher]:
    """The process's shared fetcher when it has one (ctx.fetcher), else a short-lived one."""
    if ctx.fetcher is not None:
        yield ctx.fetcher
        return
    fetcher = Fetcher(ctx.settings, clock=ctx.clock)
    try:
        yield fetcher
    finally:
        await fetcher.aclose()


def _addfeed_source(arguments: str) -> tuple[SourceSpec, str | None] | None:
    """The source and title of /addfeed's arguments (None when there are none): `<url|tg:channel|@channel>
    [title] [--html item=… title=… link=… date=…]`."""
    head, marker, options = arguments.partition("--html")
    parts = head.split(maxsplit=1)
    if not parts:
        return None
    address = validate_url(parts[0])
    title = validate_title(parts[1]) if len(parts) == 2 else None
    try:
        selectors = PageSelectors.from_arguments(options) if marker else None
        spec = source_spec(address, selectors)
    except BorderwatchError as exc:
        raise InvalidArgument(_("Not added: {reason}").format(reason=escape(_shorten(str(exc))))) from None
    return spec, title


def _stored_url(address: str) -> str:
    """The URL a feed is stored under: a Telegram channel's canonical address, else the address itself."""
    try:
        return source_spec(address).url
    except BorderwatchError:
        return address


@contextlib.asynccontextmanager
async def _parser(ctx: BotContext) -> AsyncIterator[ParserPool]:
    """The parser processes /addfeed reads what it fetched with, within the parse deadline as the poller
    does: the process's shared pool when it has one (ctx.parser), else a short-lived one (its process
    starts at the first parse and is stopped after)."""
    if ctx.parser is not None:
        yield ctx.parser
        return
    parser = ParserPool(remember=False, limits=ParseLimits(timeout_seconds=ctx.settings.parse_timeout))
    try:
        yield parser
    finally:
        await asyncio.to_thread(parser.close)


@admin_command("addfeed")
async def addfeed(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/addfeed <url> [title] [--html …]: fetch the source once (through the URL guard) and store it when it
    reads: a feed, a Telegram channel (t.me address, tg:<channel>, @<channel>) or an HTML statement page."""
    source = _addfeed_source(command_arguments(update))
    if source is None:
        await reply(update, admin_usage("addfeed"))
        return "usage"
    spec, title = source
    url = spec.url
    existing = await get_feed_by_url(ctx.db, url)
    if existing is not None and existing.enabled:
        await reply(
            update,
            _("Feed #{id} ({name}) is already there: {url}.").format(
                id=existing.id, name=escape(existing.name), url=quoted(url, 200)
            ),
        )
        return f"duplicate of #{existing.id}"
    try:
        async with _fetcher(ctx) as fetcher, _parser(ctx) as parser:
            reader = SourceReader(ctx.settings, fetcher, parser, ctx.clock)
            reading = await reader.read(NewSource.of(spec))
    except BorderwatchError as exc:
        await reply(update, _("Not added: {reason}").format(reason=escape(_shorten(str(exc)))))
        return f"refused: {exc}"
    parsed = reading.feed
    assert parsed is not None  # a source never read before is never "unchanged"
    shown_title = title or parsed.title or url
    new = NewFeed(url, title, kind=spec.kind, selectors=spec.stored_selectors, own_title=parsed.title)
    ((record, outcome),) = await add_feeds(
        ctx.db, [new], now=ctx.clock(), interval_seconds=ctx.settings.poll_interval, enable_removed=True
    )
    feed_id, created = record.id, outcome != "known"
    if not created:
        await reply(update, _("Feed #{id} is already there: {url}.").format(id=feed_id, url=quoted(url, 200)))
        return f"duplicate of #{feed_id}"
    count = len(parsed.entries)
    what = _(kind_label(spec.kind))
    if existing is not None:
        added = ngettext(
            "Added {what} #{id} again (its stored items were kept): <b>{title}</b> — {n} item.",
            "Added {what} #{id} again (its stored items were kept): <b>{title}</b> — {n} items.",
            count,
        )
    else:
        added = ngettext(
            "Added {what} #{id}: <b>{title}</b> — {n} item.",
            "Added {what} #{id}: <b>{title}</b> — {n} items.",
            count,
        )
    await reply(
        update,
        added.format(what=what, id=feed_id, title=escape(shown_title), n=count)
        + " "
        + _("They are kept as history; items published from now on alert."),
    )
    return f"{spec.kind} #{feed_id}, {count} items"


@admin_command("rmfeed")
async def rmfeed(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/rmfeed <id|url>: stop polling a feed; its stored items stay (history, /latest, /search)."""
    argument = command_arguments(update)
    if not argument or len(argument.split()) != 1:
        await reply(update, admin_usage("rmfeed"))
        return "usage"
    if argument.lstrip("#").isdigit() and argument.lstrip("#").isascii():
        number = row_id(argument)
        feed = await get_feed(ctx.db, number) if number is not None else None
    else:
        feed = await get_feed_by_url(ctx.db, _stored_url(validate_url(argument)))
    if feed is None or not feed.enabled:
        raise InvalidArgument(
            _("No feed {feed}. /feeds lists them with their ids.").format(feed=quoted(argument, 200))
        )
    stored = await remove_feed(ctx.db, feed.id)
    await reply(
        update,
        _("Removed feed #{id} ({name}): no longer polled; its {n} stored items stay.").format(
            id=feed.id, name=escape(feed.name), n=stored
        ),
    )
    return f"feed #{feed.id}"


def _feed_lines(statuses: list[FeedStatus]) -> list[str]:
    lines: list[str] = []
    for feed in statuses:
        if not feed.enabled:
            state = _("paused (removed; stored items kept)")
        elif feed.failing_since is not None:
            error = escape(_shorten(feed.last_error or _("unknown error"), 200))
            state = _("failing since {time}: {error}").format(time=utc_time(feed.failing_since), error=error)
        else:
            state = _("ok")
        last = utc_time(feed.last_new_item_at) if feed.last_new_item_at else _("never")
        polled = (
            _("next poll {time}").format(time=utc_time(feed.next_poll_at))
            if feed.enabled
            else _("not polled")
        )
        lines.append(
            f"<b>#{feed.id}</b> {escape(_shorten(feed.name, 100))} — {state}\n    "
            + _("{kind} · last new item {time} · {n} in 24 h · {polled}").format(
                kind=_(kind_label(feed.kind)), time=last, n=feed.items_24h, polled=polled
            )
        )
    return lines


async def _feeds_page(ctx: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    statuses, total = await feed_status_page(
        ctx.db, ctx.clock(), offset=page * FEEDS_PAGE_SIZE, limit=FEEDS_PAGE_SIZE
    )
    if total == 0:
        return _("No feeds yet. Add one with /addfeed &lt;url&gt;."), None
    pages = (total + FEEDS_PAGE_SIZE - 1) // FEEDS_PAGE_SIZE
    if not statuses:  # the page emptied since the button was drawn
        return await _feeds_page(ctx, pages - 1)
    header = _("Feeds ({total}), page {page} of {pages}:").format(total=total, page=page + 1, pages=pages)
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton(_("‹ Previous"), callback_data=f"{FEEDS_PAGE_PREFIX}{page - 1}"))
    if page + 1 < pages:
        buttons.append(InlineKeyboardButton(_("Next ›"), callback_data=f"{FEEDS_PAGE_PREFIX}{page + 1}"))
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    return fit([header, *_feed_lines(statuses)]), markup


@admin_command("feeds")
async def feeds(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/feeds: every feed with its status, last new item, items in 24 h and next poll, paged."""
    with command_time_limit(ctx):
        text, markup = await _feeds_page(ctx, 0)
    await reply(update, text, reply_markup=markup)
    return None


@admin_command("feeds")
async def feeds_page_pressed(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """The ‹ Previous / Next › buttons of /feeds: redraw the message with the page asked for."""
    query = update.callback_query
    assert query is not None
    number = (query.data or "").removeprefix(FEEDS_PAGE_PREFIX)
    # a forged page number beyond any list is its last page (_feeds_page), not an overflowing query offset
    page = min(int(number), MAX_FEEDS_PAGE) if number.isascii() and number.isdigit() else 0
    with command_time_limit(ctx):
        text, markup = await _feeds_page(ctx, page)
    await answer_press(query)
    with contextlib.suppress(TelegramError):  # "message is not modified" when pressed twice
        await query.edit_message_text(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
    return f"page {page + 1}"


# ------------------------------------------------------------------------------------ export / import


def _opml_feeds(records: list[Any]) -> list[OpmlFeed]:
    return [OpmlFeed.of(feed) for feed in records if feed.enabled]


@admin_command("export")
async def export(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/export: the feeds as an OPML document and the gazetteer as a YAML document."""
    message = update.effective_message
    assert message is not None
    records = await list_feeds(ctx.db)
    opml = write_opml(_opml_feeds(records))
    await message.reply_document(
        opml.encode(),
        filename="borderwatch-feeds.opml",
        caption=ngettext("{n} feed", "{n} feeds", len(_opml_feeds(records))).format(
            n=len(_opml_feeds(records))
        ),
    )
    yaml_text, entity_count = await gazetteer_yaml(ctx)
    await message.reply_document(
        yaml_text.encode(),
        filename="borderwatch-entities.yaml",
        caption=ngettext("{n} entity", "{n} entities", entity_count).format(n=entity_count),
    )
    return f"{len(_opml_feeds(records))} feeds, {entity_count} entities"


async def gazetteer_yaml(ctx: BotContext) -> tuple[str, int]:
    """The gazetteer in force (active entities, chat-added aliases folded in) as a YAML document that
    BORDERWATCH_ENTITIES can load, and how many entities it holds."""
    stored = await gazetteer_rows(ctx.db)
    rows, extra = stored.entities, stored.chat_aliases
    entities = []
    for row in rows:
        definition = dict(row.definition)
        aliases = {language: list(items) for language, items in dict(definition.get("aliases") or {}).items()}
        for alias_form, language in extra.get(row.id, []):
            aliases.setdefault(language or "any", []).append(alias_form)
        definition["aliases"] = aliases
        entities.append(definition)
    header = "# borderwatch gazetteer, exported from chat with /export (loadable as BORDERWATCH_ENTITIES)\n"
    return header + yaml.safe_dump({"entities": entities}, allow_unicode=True, sort_keys=False), len(entities)


@admin_command("import")
async def import_opml(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/import as the caption of an OPML document: add its feeds; report added / skipped / invalid."""
    message = update.effective_message
    document = message.document if message is not None else None
    if document is None:
        await reply(update, admin_usage("import"))
        return "usage"
    too_large = InvalidArgument(
        _("The file is too large (at most {kb} KB).").format(kb=MAX_IMPORT_BYTES // 1024)
    )
    if (document.file_size or 0) > MAX_IMPORT_BYTES:
        raise too_large
    telegram_file = await context.bot.get_file(document.file_id)
    if (telegram_file.file_size or 0) > MAX_IMPORT_BYTES:  # the message may not have said
        raise too_large
    data = bytes(await telegram_file.download_as_bytearray())
    if len(data) > MAX_IMPORT_BYTES:
        raise too_large
    name = document.file_name or "OPML"
    try:
        # read in a parser process, within the parse deadline, as /addfeed reads what it fetched
        async with _parser(ctx) as parser:
            entries, invalid = await parser.run(name, read_opml_listing, data, name)
    except (OpmlError, ParseError) as exc:
        raise InvalidArgument(_("Not imported: {reason}").format(reason=escape(_shorten(str(exc))))) from None
    except (LookupError, ValueError) as exc:  # an encoding Python cannot read (unknown, UTF-7 …)
        raise InvalidArgument(
            _("Not imported: {name}: its text encoding cannot be read ({reason}). Save it as UTF-8.").format(
                name=escape(_shorten(name)), reason=escape(str(exc))
            )
        ) from None
    added: list[str] = []
    skipped: list[str] = []
    # what /addfeed would refuse (a private address …) is refused here too
    policy = AddressPolicy(allow_private=ctx.settings.allow_private_urls)
    refused = await refused_urls((entry.url for entry in entries), policy)
    wanted: list[NewFeed] = []
    for entry in entries:
        if entry.url in refused:
            continue
        try:
            url = validate_url(entry.url)
            title = validate_title(entry.title) if entry.title else None
        except InvalidArgument:
            invalid.append(entry.url)
            continue
        wanted.append(
            NewFeed(
                url,
                title,
                language=(entry.language or "")[:16] or None,
                user_agent=(entry.user_agent or "")[:500] or None,
                kind=entry.kind,
                selectors=dict(entry.selectors) if entry.selectors else None,
            )
        )
    outcomes = await add_feeds(
        ctx.db, wanted, now=ctx.clock(), interval_seconds=ctx.settings.poll_interval, enable_removed=True
    )
    for record, outcome in outcomes:
        (skipped if outcome == "known" else added).append(record.url)
    counts = {"added": len(added), "skipped": len(skipped), "invalid": len(invalid), "refused": len(refused)}
    if refused:
        summary = _(
            "Imported: {added} added, {skipped} skipped (already there), {invalid} invalid, "
            "{refused} refused."
        )
    else:
        summary = _("Imported: {added} added, {skipped} skipped (already there), {invalid} invalid.")
    lines = [summary.format(**counts)]
    lines += [_("invalid: {url}").format(url=quoted(url, 120)) for url in invalid[:20]]
    lines += [
        _("refused: {url} ({reason})").format(url=quoted(url, 120), reason=escape(reason))
        for url, reason in list(refused.items())[:20]
    ]
    await reply(update, fit(lines))
    return f"{len(added)} added, {len(skipped)} skipped, {len(invalid)} invalid, {len(refused)} refused"


# ------------------------------------------------------------------------------------ entities


async def change_gazetteer(ctx: BotContext, apply: Callable[[GazetteerChange], Awaitable[T]]) -> T:
    """Make the change `apply` makes to the stored gazetteer and put the gazetteer it gives in force; returns
    what `apply` returned. A gazetteer that does not build raises GazetteerError before anything is committed.

    The build takes most of a second: it runs on a worker thread, and outside the committing transaction
    (on SQLite that one holds the write lock, and with it every chat's writes): the change is first only
    tried, and the gazetteer of what it would make built; then it is made and committed, and that gazetteer
    swapped in, unless the rows read differently then (another process changed them meanwhile: built again
    from those). Changes and reloads hold ctx.entity_lock until they swap theirs in, so the gazetteer
    committed last is the one in force."""
    severity = ctx.gazetteer.severity if ctx.gazetteer is not None else None
    grader = ctx.gazetteer.classifier.grader if ctx.gazetteer is not None else None
    async with ctx.entity_lock:
        async with trying_gazetteer(ctx.db) as trial:
            await apply(trial)
            tried = await trial.rows()
        gazetteer = await build_gazetteer_in_thread(tried, severity, grader)
        async with changing_gazetteer(ctx.db) as change:
            result = await apply(change)
            rows = await change.rows()
            if rows.same_gazetteer(tried):
                gazetteer.version = rows.version
            else:
                gazetteer = await build_gazetteer_in_thread(rows, severity, grader)
        ctx.gazetteer = gazetteer
    return result


def _resolve(ctx: BotContext, name: str) -> EntityInfo:
    entity = ctx.gazetteer.resolve(name) if ctx.gazetteer is not None else None
    if entity is None:
        suggestions = ctx.gazetteer.suggest(name) if ctx.gazetteer is not None else []
        hint = (
            _("Did you mean {names}?").format(names=", ".join(suggestions))
            if suggestions
            else _("/entities lists them.")
        )
        raise InvalidArgument(_("No tracked entity {name}.").format(name=quoted(name)) + " " + hint)
    assert isinstance(entity, EntityInfo)
    return entity


def _check_specific(ctx: BotContext, text: str, entity_id: str, *, exact: bool = False) -> None:
    """Refuse a name or alias that would tag almost every item (too short, or only common words)."""
    common = common_words_beside(ctx.settings.entities, BUNDLED_CONFIG)
    hint = f"/alias {entity_id}; {text}; {EXACT}"
    check_alias_is_specific(text, exact=exact, common=common, hint=hint)


def _check_free(ctx: BotContext, text: str, entity_id: str) -> None:
    """Refuse a name or alias that already names another entity."""
    other = ctx.gazetteer.resolve(text) if ctx.gazetteer is not None else None
    if other is not None and other.id != entity_id:
        raise InvalidArgument(
            _("{text} already names {name} ({id}).").format(
                text=quoted(text), name=escape(other.name), id=other.id
            )
        )


@admin_command("track")
async def track(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/track <id> <name> [; alias; alias …]: track a new entity, in force for the next item."""
    parts = command_arguments(update).split(maxsplit=1)
    if len(parts) < 2:
        await reply(update, admin_usage("track"))
        return "usage"
    entity_id = validate_entity_id(parts[0])
    texts = parts[1].split(";")
    name = validate_name(texts[0])
    aliases = list(dict.fromkeys(validate_alias(text) for text in texts[1:]))
    for text in [name, *aliases]:
        _check_specific(ctx, text, entity_id)
        _check_free(ctx, text, entity_id)
    try:
        await change_gazetteer(ctx, lambda change: change.add_entity(entity_id, name, aliases))
    except ValueError:
        raise InvalidArgument(
            _("{id} is already tracked; add names with /alias {id} …").format(id=entity_id)
        ) from None
    except GazetteerError as exc:
        raise InvalidArgument(_("Not tracked: {reason}").format(reason=escape(str(exc)))) from None
    shown = "; ".join(escape(alias) for alias in aliases)
    tracking = (
        _("Now tracking <b>{name}</b> ({id}), also named {aliases}.")
        if aliases
        else _("Now tracking <b>{name}</b> ({id}).")
    )
    await reply(
        update,
        tracking.format(name=escape(name), id=entity_id, aliases=shown)
        + " "
        + _("New items are tagged from now on."),
    )
    return entity_id


def _alias_arguments(arguments: str) -> tuple[str, str, bool]:
    """(entity, alias, exact): `entity alias`, or `entity; alias`, or `entity; alias; exact`."""
    if ";" in arguments:
        parts = [part.strip() for part in arguments.split(";")]
        exact = len(parts) == 3 and parts[2].casefold() == EXACT
        if len(parts) > 3 or (len(parts) == 3 and not exact):
            return "", "", False
        return parts[0], parts[1], exact
    parts = arguments.split(maxsplit=1)
    return (parts[0], parts[1], False) if len(parts) == 2 else (arguments, "", False)


@admin_command("alias")
async def alias(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/alias <entity> <alias>: one more name for a tracked entity, in force for the next item."""
    entity_name, text, exact = _alias_arguments(command_arguments(update))
    if not entity_name or not text:
        await reply(update, admin_usage("alias"))
        return "usage"
    entity = _resolve(ctx, entity_name)
    text = validate_alias(text)
    _check_specific(ctx, text, entity.id, exact=exact)
    _check_free(ctx, text, entity.id)
    if ctx.entities.resolve(text) is not None:
        await reply(
            update,
            _("{text} is already a name of {name}.").format(text=quoted(text), name=escape(entity.name)),
        )
        return "already there"
    user = update.effective_user
    added_by = user.id if user else None
    try:
        added = await change_gazetteer(
            ctx, lambda change: change.add_alias(entity.id, text, added_by=added_by, case_sensitive=exact)
        )
    except GazetteerError as exc:
        raise InvalidArgument(_("Alias not added: {reason}").format(reason=escape(str(exc)))) from None
    if not added:
        await reply(
            update,
            _("{text} is already a name of {name}.").format(text=quoted(text), name=escape(entity.name)),
        )
        return "already there"
    added_text = (
        _("{text} now names <b>{name}</b> ({id}) (only as written).")
        if exact
        else _("{text} now names <b>{name}</b> ({id}).")
    )
    await reply(update, added_text.format(text=quoted(text), name=escape(entity.name), id=entity.id))
    return f"{entity.id}: {text}" + (" (only as written)" if exact else "")


@admin_command("untrack")
async def untrack(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/untrack <entity>: stop tagging new items with an entity (stored tags and the row stay)."""
    name = command_arguments(update)
    if not name:
        await reply(update, admin_usage("untrack"))
        return "usage"
    entity = _resolve(ctx, name)
    await change_gazetteer(ctx, lambda change: change.untrack_entity(entity.id))
    await reply(
        update,
        _(
            "Stopped tracking <b>{name}</b> ({id}). Stored items keep their tags; "
            "/track {id} &lt;name&gt; tracks it again."
        ).format(name=escape(entity.name), id=entity.id),
    )
    return entity.id


# ------------------------------------------------------------------------------------ admins


@admin_command("admins")
async def admins(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/admins: every admin with their name and where they come from."""
    lines = [_("Bot admins:")]
    for admin in await list_admins(ctx.db, ctx.settings.admin_ids):
        name = escape(admin.name) if admin.name else _("(name not seen yet)")
        origin = (
            _("from BORDERWATCH_ADMINS")
            if admin.from_environment
            else _("added by {user}").format(user=admin.added_by)
        )
        lines.append(f"• {name} — <code>{admin.user_id}</code>, {origin}")
    await reply(update, fit(lines))
    return None


@admin_command("addadmin")
async def addadmin(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/addadmin <user_id>: make a Telegram user a bot admin."""
    argument = command_arguments(update)
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
        await reply(update, _("<code>{id}</code> is already an admin.").format(id=user_id))
        return "already an admin"
    await sync_admin_menu(context.bot, ctx.db, user_id, admin=True)
    shown = f"{escape(name)} (<code>{user_id}</code>)" if name else f"<code>{user_id}</code>"
    await reply(update, _("{user} is now a bot admin.").format(user=shown))
    return None


@admin_command("rmadmin")
async def rmadmin(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/rmadmin <user_id>: remove an admin added in chat; never the last admin."""
    argument = command_arguments(update)
    if not argument:
        await reply(update, admin_usage("rmadmin"))
        return "usage"
    user_id = validate_user_id(argument)
    outcome = await remove_admin(ctx.db, user_id, seed_ids=ctx.settings.admin_ids)
    if outcome == "removed":
        await sync_admin_menu(context.bot, ctx.db, user_id, admin=False)
    answers = {
        "removed": _("<code>{id}</code> is no longer a bot admin."),
        "not_admin": _("<code>{id}</code> is not an admin."),
        "from_environment": _(
            "<code>{id}</code> is an admin through BORDERWATCH_ADMINS; remove it there and restart."
        ),
        "last_admin": _("<code>{id}</code> is the last admin and cannot be removed."),
    }
    await reply(update, answers[outcome].format(id=user_id))
    return outcome


# ------------------------------------------------------------------------------------ delivery


@admin_command("pause")
async def pause(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/pause: stop every delivery; pending alerts are kept and go out after /resume."""
    was = await delivery_paused(ctx.db)
    await set_delivery_paused(ctx.db, True)
    await reply(
        update, _("Delivery was already paused.") if was else _("Delivery paused. Pending alerts are kept.")
    )
    return None


@admin_command("resume")
async def resume(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/resume: restart delivery, pending alerts first."""
    was = await delivery_paused(ctx.db)
    await set_delivery_paused(ctx.db, False)
    await reply(update, _("Delivery resumed.") if was else _("Delivery was not paused."))
    return None


# ------------------------------------------------------------------------------------ audit


@admin_command("audit")
async def audit(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/audit [n]: the latest n audit entries (default 10), newest first."""
    argument = command_arguments(update)
    limit = validate_count(argument, maximum=MAX_AUDIT_ENTRIES) if argument else 10
    entries = await latest_audit(ctx.db, limit)
    lines = [
        ngettext("Latest {n} admin command:", "Latest {n} admin commands:", len(entries)).format(
            n=len(entries)
        )
    ]
    for entry in entries:
        shown = f"/{entry.command}" + (f" {quoted(entry.arguments, 60)}" if entry.arguments else "")
        lines.append(f"• {_time(entry.at)} — <code>{entry.user_id}</code> {shown} — {_outcome(entry)}")
    await reply(update, fit(lines))
    return None


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _outcome(entry: AuditRecord) -> str:
    """The outcome as stored ("refused"), or for an entry of repeated refusals, like the outcome itself
    untranslated: "refused ×37, last 12:04:10 UTC"."""
    if entry.repeats == 1 or entry.last_at is None:
        return entry.outcome
    same_day = entry.last_at.date() == entry.at.date()
    last = entry.last_at.strftime("%H:%M:%S UTC") if same_day else _time(entry.last_at)
    return f"{entry.outcome} ×{entry.repeats}, last {last}"


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


class _ImportCaption(filters.MessageFilter):
    """A caption that is /import, or /import@<this bot> (never /import@other_bot), as CommandHandler reads
    a command's text."""

    _PATTERN = re.compile(r"/import(?:@(\w+))?(?:\s|$)", re.IGNORECASE)

    def filter(self, message: Message) -> bool:
        match = self._PATTERN.match(message.caption or "")
        if match is None:
            return False
        mention = match.group(1)
        return mention is None or mention.casefold() == (message.get_bot().username or "").casefold()


IMPORT_CAPTION = filters.Document.ALL & _ImportCaption()


def register_admin_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every admin command, /import's document handler and the /feeds page buttons to `application`,
    and schedule the failing-feed notices (bot.feed_alerts) on its job queue when it has one."""
    application.add_handler(MessageHandler(IMPORT_CAPTION & COMMAND_UPDATES, import_opml))
    for name, callback, _description in ADMIN_COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=COMMAND_UPDATES))
    application.add_handler(CallbackQueryHandler(feeds_page_pressed, pattern=f"^{FEEDS_PAGE_PREFIX}\\d+$"))
    if application.job_queue is not None:
        schedule_feed_notices(application)
