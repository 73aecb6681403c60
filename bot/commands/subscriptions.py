"""User commands about what a chat receives: /start, /help, /subscribe, /unsubscribe, /mysubs, /quiet,
and the inline keyboard of entities."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from telegram import Chat, ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.arguments import command_arguments
from bot.commands.naming import EntityRef, NamedEntities, Names
from bot.context import BotCallbackContext, BotContext
from bot.i18n import N_, _, ngettext
from bot.replies import answer_press, escape, fit, quoted, reply, usage
from storage import chats, deliveries
from storage.models import ALL_ENTITIES
from storage.timeofday import ascii_digits, canonical_time_of_day, canonical_zone

PAGE_SIZE = 10
UNKNOWN_SHOWN = 10  # unknown names answered one by one (with suggestions); the rest are counted
# callback data holds at most 64 bytes: "sub:t:<page>:" and the id; a longer id is sent as "#" and a digest
# of it (two ids sharing their first 50 characters stay two buttons)
BUTTON_ID_LENGTH = 50
KEYBOARD_PREFIX = "sub:"
# constants are marked with N_ and translated where they are sent
GROUP_ADMINS_ONLY = N_("Only this group's admins can change its subscriptions.")
QUIET_ADMINS_ONLY = N_("Only this group's admins can change its quiet hours.")

START_TEXT = N_(
    "<b>Borderwatch</b> sends an alert within a minute when news about the Armenia–Azerbaijan border "
    "mentions a place, project or organisation you follow. It reads English, Russian, Armenian and "
    "Azerbaijani sources.\n"
    "Pick what to follow with /subscribe (a keyboard) or by name, e.g. /subscribe Sev Lake.\n"
    "/help lists every command."
)

HELP_LINES = (
    N_("<b>Commands</b>"),
    N_("/subscribe — pick entities on a keyboard; or by name: /subscribe Lachin corridor, csto"),
    N_("/subscribe all — every entity, including ones added later"),
    N_("/unsubscribe — e.g. /unsubscribe sev_lake (or all)"),
    N_("/mysubs — what this chat follows, and its quiet hours"),
    N_("/status — counts for your entities; /status Syunik for one entity"),
    N_("/latest — latest stories, e.g. /latest 10 Goris"),
    N_("/search — stored history, e.g. /search border shooting"),
    N_("/entities — every entity the bot tracks"),
    N_("/quiet — hold alerts at night, e.g. /quiet 23:00-07:00 Asia/Yerevan; /quiet off; /quiet p1 off"),
    N_("/chart — a chart of daily stories, e.g. /chart Sev Lake 30; alone: your entities compared"),
    N_("/lang — reply language: /lang ru, /lang en, or /lang auto"),
    "/digest — one message a day with the stories since the last: /digest daily 08:00 (UTC); /digest off",
    "/alerts — /alerts off: only P1 alerts as they happen, the rest in the digest; /alerts on",
    N_("Entities can be named by id or by any alias in English, Russian, Armenian or Azerbaijani, any case."),
)


def _names(ctx: BotContext) -> Names:
    return Names(ctx.gazetteer)


def topic_of(update: Update) -> int | None:
    """The forum topic the update came from, or None outside forum topics."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


async def may_change_chat(update: Update, context: BotCallbackContext) -> bool:
    """Whether the sender may change this chat's settings: anyone in a private chat or a channel (only its
    admins post), a group's admins (asked of Telegram with getChatMember), an anonymous admin of the group."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type in (Chat.PRIVATE, Chat.CHANNEL):
        return True
    message = update.effective_message
    if update.callback_query is None and message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def _register(update: Update, ctx: BotContext) -> chats.ChatInfo | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return await chats.register_chat(ctx.db, chat.id, chat.type, chat.title)


async def start(update: Update, context: BotCallbackContext) -> None:
    """/start: register the chat and say in a few lines what the bot does."""
    ctx = context.ctx
    info = await _register(update, ctx)
    text = _(START_TEXT)
    if info is not None and info.type in (Chat.GROUP, Chat.SUPERGROUP):
        text += "\n" + _("In this group, only admins can change subscriptions.")
    await reply(update, text)


async def help_command(update: Update, context: BotCallbackContext) -> None:
    """/help: every user command with one example."""
    await reply(update, "\n".join(_(line) for line in HELP_LINES))


# ---------------------------------------------------------------- subscribe / unsubscribe


def _did_you_mean(names: Names, named: NamedEntities) -> list[str]:
    lines = []
    for phrase in named.unknown[:UNKNOWN_SHOWN]:
        suggestions = names.suggest(phrase)
        hint = (
            " " + _("Did you mean {names}?").format(names=", ".join(escape(s.name) for s in suggestions))
            if suggestions
            else ""
        )
        lines.append(
            _("Unknown entity {phrase}.").format(phrase=quoted(phrase))
            + hint
            + " "
            + _("/entities lists them all.")
        )
    more = len(named.unknown) - UNKNOWN_SHOWN
    if more > 0:
        lines.append(ngettext("{n} more unknown name.", "{n} more unknown names.", more).format(n=more))
    return lines


async def _named_request(
    update: Update, context: BotCallbackContext, command: str
) -> tuple[BotContext, Chat, Names, NamedEntities] | None:
    """What /subscribe and /unsubscribe share: the permission check, the keyboard when no name is given,
    the usage line when nothing could be read; None when the command has been answered already."""
    ctx = context.ctx
    chat = update.effective_chat
    if chat is None:
        return None
    if not await may_change_chat(update, context):
        await reply(update, _(GROUP_ADMINS_ONLY))
        return None
    text = command_arguments(update)
    names = _names(ctx)
    if not text:
        await _register(update, ctx)
        await _send_keyboard(update, ctx, names)
        return None
    named = names.parse(text)
    if named.empty:
        await reply(update, usage(command))
        return None
    return ctx, chat, names, named


async def subscribe(update: Update, context: BotCallbackContext) -> None:
    """/subscribe [entity …|all]: no argument shows the keyboard; names subscribe this chat (and topic)."""
    request = await _named_request(update, context, "subscribe")
    if request is None:
        return
    ctx, chat, names, named = request
    lines: list[str] = []
    thread_id = topic_of(update)
    if named.everything or named.found:
        wanted = [ALL_ENTITIES] if named.everything else [entity.id for entity in named.found]
        added = await chats.add_subscriptions(
            ctx.db, chat.id, chat.type, wanted, title=chat.title, thread_id=thread_id
        )
        if named.everything:
            lines.append(
                _("Subscribed to all entities, including ones added later.")
                if added
                else _("This chat already follows all entities.")
            )
        else:
            already = [entity.name for entity in named.found if entity.id not in added]
            if added:
                lines.append(_("Subscribed to {names}.").format(names=escape(names.names(added))))
            if already:
                lines.append(_("Already subscribed to {names}.").format(names=escape(", ".join(already))))
        if thread_id is not None:
            lines.append(_("Alerts will arrive in this topic."))
    lines.extend(_did_you_mean(names, named))
    await reply(update, fit(lines))


async def unsubscribe(update: Update, context: BotCallbackContext) -> None:
    """/unsubscribe [entity …|all]: no argument shows the keyboard; names unsubscribe this chat."""
    request = await _named_request(update, context, "unsubscribe")
    if request is None:
        return
    ctx, chat, names, named = request
    lines: list[str] = []
    if named.everything:
        removed = await chats.remove_subscriptions(ctx.db, chat.id, None)
        lines.append(_("Unsubscribed from everything.") if removed else _("This chat had no subscriptions."))
    elif named.found:
        ids = [entity.id for entity in named.found]
        gone = await _remove(ctx, names, chat.id, ids)
        not_subscribed = [entity.name for entity in named.found if entity.id not in gone]
        if gone:
            shown = escape(names.names([i for i in ids if i in gone]))
            lines.append(_("Unsubscribed from {names}.").format(names=shown))
        if not_subscribed:
            lines.append(_("Not subscribed to {names}.").format(names=escape(", ".join(not_subscribed))))
    lines.extend(_did_you_mean(names, named))
    await reply(update, fit(lines))


async def _remove(ctx: BotContext, names: Names, chat_id: int, entity_ids: list[str]) -> set[str]:
    """Unsubscribe from `entity_ids`; a chat following "all" keeps every other entity, named one by one."""
    current = await chats.list_subscriptions(ctx.db, chat_id)
    removed = set(await chats.remove_subscriptions(ctx.db, chat_id, entity_ids))
    if ALL_ENTITIES in current:
        chat = await chats.get_chat(ctx.db, chat_id)
        assert chat is not None
        await chats.remove_subscriptions(ctx.db, chat_id, [ALL_ENTITIES])
        keep = [entity.id for entity in names.entities if entity.id not in entity_ids]
        await chats.add_subscriptions(ctx.db, chat_id, chat.type, keep, thread_id=chat.thread_id)
        removed |= set(entity_ids)
    return removed


async def mysubs(update: Update, context: BotCallbackContext) -> None:
    """/mysubs: this chat's subscriptions by display name, where alerts go, and its quiet hours."""
    ctx = context.ctx
    chat = update.effective_chat
    if chat is None:
        return
    names = _names(ctx)
    subscribed = await chats.list_subscriptions(ctx.db, chat.id)
    info = await chats.get_chat(ctx.db, chat.id)
    if not subscribed:
        await reply(update, _("This chat follows nothing yet. /subscribe to pick entities."))
        return
    if ALL_ENTITIES in subscribed:
        lines = [_("This chat follows all entities, including ones added later.")]
    else:
        shown = sorted((names.name(entity_id) for entity_id in subscribed), key=str.casefold)
        lines = [
            ngettext("This chat follows {n}: {names}.", "This chat follows {n}: {names}.", len(shown)).format(
                n=len(shown), names=escape(", ".join(shown))
            )
        ]
    if info is not None and info.thread_id is not None:
        lines.append(_("Alerts go to the forum topic where /subscribe was last sent."))
    if info is not None:
        lines.append(_quiet_line(info))
    await reply(update, "\n".join(lines))


# ---------------------------------------------------------------- the keyboard


def _keyboard_text(names: Names, subscribed: set[str]) -> str:
    if ALL_ENTITIES in subscribed:
        return _("Tap an entity to subscribe or unsubscribe. This chat follows all entities.")
    followed = len(subscribed & {entity.id for entity in names.entities})
    return _("Tap an entity to subscribe or unsubscribe. This chat follows {n} of {total}.").format(
        n=followed, total=len(names.entities)
    )


def _keyboard(names: Names, subscribed: set[str], page: int) -> InlineKeyboardMarkup:
    entities = names.entities
    pages = max(1, -(-len(entities) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = entities[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    everything = ALL_ENTITIES in subscribed
    buttons = [
        InlineKeyboardButton(
            ("✅ " if everything or entity.id in subscribed else "") + entity.name,
            callback_data=f"{KEYBOARD_PREFIX}t:{page}:{_button_key(entity.id)}",
        )
        for entity in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if pages > 1:
        rows.append(
            [
                InlineKeyboardButton("◀", callback_data=f"{KEYBOARD_PREFIX}p:{(page - 1) % pages}"),
                InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"{KEYBOARD_PREFIX}p:{page}"),
                InlineKeyboardButton("▶", callback_data=f"{KEYBOARD_PREFIX}p:{(page + 1) % pages}"),
            ]
        )
    return InlineKeyboardMarkup(rows)


async def _send_keyboard(update: Update, ctx: BotContext, names: Names) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not names.entities:
        await reply(update, _("No entities are tracked yet."))
        return
    subscribed = set(await chats.list_subscriptions(ctx.db, chat.id))
    await reply(update, _keyboard_text(names, subscribed), reply_markup=_keyboard(names, subscribed, 0))


@dataclass(frozen=True, slots=True)
class _Press:
    page: int
    entity_id: str | None  # None: a page button


_PRESS = re.compile(r"^sub:(?:p:(\d{1,6})|t:(\d{1,6}):([a-z0-9_]+|#[0-9a-f]{16}))$")


def _button_key(entity_id: str) -> str:
    """What a keyboard button says about its entity: the id, or "#" and a digest of a long one."""
    if len(entity_id) <= BUTTON_ID_LENGTH:
        return entity_id
    return "#" + hashlib.sha256(entity_id.encode()).hexdigest()[:16]


def _parse_press(data: str | None) -> _Press | None:
    match = _PRESS.match(data or "")
    if match is None:
        return None
    if match.group(1) is not None:
        return _Press(int(match.group(1)), None)
    return _Press(int(match.group(2)), match.group(3))


def _pressed_entity(names: Names, button_key: str) -> EntityRef | None:
    return next((entity for entity in names.entities if _button_key(entity.id) == button_key), None)


async def keyboard_pressed(update: Update, context: BotCallbackContext) -> None:
    """A button of the /subscribe keyboard: toggle one entity (admins only in groups) or turn the page."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    press = _parse_press(query.data)
    ctx = context.ctx
    names = _names(ctx)
    if press is None:
        await answer_press(query)
        return
    notice = None
    if press.entity_id is not None:
        entity = _pressed_entity(names, press.entity_id)
        if entity is None:
            await answer_press(query, _("That entity is no longer tracked."))
            return
        if not await may_change_chat(update, context):
            await answer_press(query, _(GROUP_ADMINS_ONLY), show_alert=True)
            return
        subscribed = set(await chats.list_subscriptions(ctx.db, chat.id))
        if entity.id in subscribed or ALL_ENTITIES in subscribed:
            await _remove(ctx, names, chat.id, [entity.id])
            notice = _("Unsubscribed from {names}.").format(names=entity.name)
        else:
            # the keyboard message sits in the topic /subscribe was sent in; keep the chat's topic otherwise
            info = await chats.get_chat(ctx.db, chat.id)
            thread_id = topic_of(update) or (info.thread_id if info is not None else None)
            await chats.add_subscriptions(
                ctx.db, chat.id, chat.type, [entity.id], title=chat.title, thread_id=thread_id
            )
            notice = _("Subscribed to {names}.").format(names=entity.name)
    subscribed = set(await chats.list_subscriptions(ctx.db, chat.id))
    await answer_press(query, notice)
    try:
        await query.edit_message_text(
            _keyboard_text(names, subscribed),
            reply_markup=_keyboard(names, subscribed, press.page),
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


# ---------------------------------------------------------------- quiet hours


def _quiet_line(info: chats.ChatInfo) -> str:
    if not info.quiet:
        return _("Quiet hours: off.")
    if info.p1_breaks_quiet:
        line = _("Quiet hours: {start}–{end} {zone}; P1 alerts still come through.")
    else:
        line = _("Quiet hours: {start}–{end} {zone}; P1 alerts are held too.")
    return line.format(start=info.quiet_start, end=info.quiet_end, zone=escape(info.quiet_tz))


class QuietError(ValueError):
    """A /quiet argument that cannot be used; the message is ready to show (user text escaped)."""


_WINDOW = re.compile(r"([0-9]{1,2}:[0-9]{2})\s*[-–—]\s*([0-9]{1,2}:[0-9]{2})(?:\s+(\S+))?")


def parse_window(text: str) -> tuple[str, str, str]:
    """`HH:MM-HH:MM [zone]` as (start, end, zone): zero-padded ASCII times (digits of any script are read,
    ٢٣:٠٠ is 23:00) and an IANA zone as tzdata spells it (default UTC).

    Raises QuietError saying what is wrong.
    """
    match = _WINDOW.fullmatch(ascii_digits(text).strip())
    if match is None:
        raise QuietError(usage("quiet"))
    times, zone_word = (match.group(1), match.group(2)), match.group(3)
    try:
        start, end = canonical_time_of_day(times[0]), canonical_time_of_day(times[1])
    except ValueError:
        raise QuietError(
            _("{text} is not a time window: hours go from 00 to 23, minutes from 00 to 59.").format(
                text=quoted(text)
            )
        ) from None
    if start == end:
        raise QuietError(_("The quiet window must not start and end at the same time."))
    try:
        zone = canonical_zone(zone_word) if zone_word else "UTC"
    except ValueError:
        raise QuietError(
            _(
                "Unknown time zone {zone}. Use an IANA name such as Asia/Yerevan, Asia/Baku or Europe/Moscow."
            ).format(zone=quoted(zone_word or "", 40))
        ) from None
    return start, end, zone


async def quiet(update: Update, context: BotCallbackContext) -> None:
    """/quiet HH:MM-HH:MM [zone] | off | p1 on|off: hold alerts in a daily window (never drop them)."""
    ctx = context.ctx
    chat = update.effective_chat
    if chat is None:
        return
    text = command_arguments(update)
    words = text.lower().split()
    if not words:
        info = await chats.get_chat(ctx.db, chat.id)
        current = _quiet_line(info) if info is not None else _("Quiet hours: off.")
        await reply(update, f"{current}\n{usage('quiet')}")
        return
    if not await may_change_chat(update, context):
        await reply(update, _(QUIET_ADMINS_ONLY))
        return
    await _register(update, ctx)
    if words == ["off"]:
        info = await chats.clear_quiet(ctx.db, chat.id, now=ctx.clock())
        await reply(update, _("Quiet hours off: alerts arrive as they happen."))
        return
    if words[0] == "p1":
        if words[1:] not in (["on"], ["off"]):
            await reply(update, usage("quiet"))
            return
        info = await chats.set_p1_breaks_quiet(ctx.db, chat.id, words[1] == "on")
        await reply(
            update,
            _("P1 alerts will come through during quiet hours.")
            if info.p1_breaks_quiet
            else _("P1 alerts will be held during quiet hours too."),
        )
        return
    try:
        start_at, end_at, zone = parse_window(text)
    except QuietError as exc:
        await reply(update, str(exc))
        return
    info = await chats.set_quiet(ctx.db, chat.id, start_at, end_at, zone, now=ctx.clock())
    p1 = (
        _("P1 alerts still come through (/quiet p1 off holds them too).")
        if info.p1_breaks_quiet
        else _("P1 alerts are held too (/quiet p1 on lets them through).")
    )
    window = _("Quiet hours {start}–{end} {zone}: alerts are held and sent when the window ends.")
    await reply(update, window.format(start=start_at, end=end_at, zone=escape(zone)) + " " + p1)


__all__ = [
    "EntityRef",
    "help_command",
    "keyboard_pressed",
    "mysubs",
    "quiet",
    "start",
    "subscribe",
    "unsubscribe",
]


async def chat_migrated(update: Update, context: BotCallbackContext) -> None:
    """Telegram's service message that a group became a supergroup (migrate_to_chat_id in the old group,
    migrate_from_chat_id in the new one): the chat, its subscriptions, modes and alerts move there at once,
    so its members find them there and what they set there is kept."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await deliveries.migrate_chat(context.ctx.db, int(old), int(new), context.ctx.clock())
