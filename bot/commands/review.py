""" "Not about <entity>" on alerts, /review of those reports, /missed for misses, /reportbutton for chats.

- Alerts carry a button per matched entity (bot.report_button: in bot admins' own chats, and for everyone
  in a chat whose admin turned it on with /reportbutton on). A press records the item, the entity and who.
- /review (admins) shows the open reports, the matched name in its context, and the fixes as buttons:
  ignore the name when a word stands near it, disable the name, or dismiss the report. A decision is
  audited and tags the next item at once (the gazetteer in force is rebuilt).
- /missed <url or text> <entity> (admins) says what the classifier sees in the text for that entity and
  offers to add the word that was meant as an alias.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.admin_auth import admin_command, command_arguments
from bot.commands.admin import _entity_lock, _rebuild_gazetteer
from bot.context import BotContext, get_context
from bot.replies import escape, fit, quoted, reply
from bot.report_button import REPORT_PREFIX, entity_name
from bot.validate import InvalidArgument, validate_alias
from feeds.definitions import GazetteerError
from feeds.explain import alias_for_span, exclusion_candidates, explain
from storage.admins import is_admin
from storage.chats import get_chat
from storage.entities import add_alias
from storage.reports import (
    FixKind,
    Report,
    ReportStatus,
    close_reports,
    close_reports_in,
    count_open_reports,
    get_report,
    item_text_by_link,
    open_reports,
    record_report,
    report_button_for_everyone,
    set_report_button,
)

log = logging.getLogger(__name__)

REVIEW_PREFIX = "rv:"  # rv:<x0|x1|x2|d|n>:<report id>, on /review messages
MISSED_PREFIX = "mi:"  # mi:<offer number>, on /missed answers
REVIEW_PAGE = 5
CONTEXT_CHARS = 70

USAGE = {
    "missed": "/missed <url or text> <entity> — e.g. /missed Азербайджанские военные у Сев-Лича; sev_lake",
    "reportbutton": '/reportbutton on|off — let everyone here press "not about …" on alerts',
}


# ---------------------------------------------------------------------------------------------- alerts


async def report_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press of "not about <entity>": recorded for /review when the presser may report here."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    ctx = get_context(context.application)
    parts = (query.data or "")[len(REPORT_PREFIX) :].split(":", 1)
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else None
    if len(parts) != 2 or not parts[0].isdigit():
        await query.answer("This button is out of date.")
        return
    admin = await is_admin(ctx.db, user.id, ctx.settings.admin_ids)
    if not admin and not (chat_id is not None and await report_button_for_everyone(ctx.db, chat_id)):
        await query.answer("Only bot admins can report alerts in this chat.", show_alert=True)
        return
    recorded = await record_report(
        ctx.db,
        delivery_id=int(parts[0]),
        entity_id=parts[1],
        user_id=user.id,
        chat_id=chat_id,
        at=ctx.clock(),
    )
    if recorded is None:
        await query.answer("This alert is no longer known.")
        return
    _report_id, new = recorded
    name = entity_name(ctx, parts[1])
    await query.answer(
        f"Thanks: reported as not about {name}. Admins review it with /review."
        if new
        else f"You already reported this as not about {name}."
    )


# ---------------------------------------------------------------------------------------------- /review


def _context_html(report: Report) -> str:
    """The item's text around the first matched span, the match in bold."""
    text = report.title + ("\n" + report.summary if report.summary else "")
    if not report.spans:
        return escape(quoted(report.title, 200))
    start, stop, _matched = report.spans[0]
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(text), stop + CONTEXT_CHARS)
    before = ("…" if left else "") + text[left:start]
    after = text[stop:right] + ("…" if right < len(text) else "")
    return f"{escape(before)}<b>{escape(text[start:stop])}</b>{escape(after)}".replace("\n", " ")


def _review_choices(ctx: BotContext, report: Report) -> tuple[str | None, list[str]]:
    """The alias the report is about (as written in the gazetteer) and the words near it to exclude on."""
    if not report.spans or ctx.gazetteer is None:
        return None, []
    start, stop, matched = report.spans[0]
    entity = next((e for e in ctx.gazetteer.definitions if e.id == report.entity_id), None)
    alias = alias_for_span(entity, matched) if entity is not None else None
    text = report.title + ("\n" + report.summary if report.summary else "")
    return (alias.text if alias is not None else matched), exclusion_candidates(text, start, stop)


def _review_message(ctx: BotContext, report: Report) -> tuple[str, InlineKeyboardMarkup]:
    alias, words = _review_choices(ctx, report)
    others = f" ({report.reporters} reports)" if report.reporters > 1 else ""
    lines = [
        f"Report #{report.id}: not about <b>{escape(entity_name(ctx, report.entity_id))}</b>{others}",
        _context_html(report),
    ]
    if alias is not None:
        lines.append(f"Matched name: {quoted(alias, 80)}")
    rows = [
        [
            InlineKeyboardButton(
                f"Ignore it near «{word[:24]}»", callback_data=f"{REVIEW_PREFIX}x{i}:{report.id}"
            )
        ]
        for i, word in enumerate(words)
    ]
    if alias is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    f"Disable the name «{alias[:30]}»", callback_data=f"{REVIEW_PREFIX}d:{report.id}"
                )
            ]
        )
    rows.append(
        [InlineKeyboardButton("Dismiss: the tag was right", callback_data=f"{REVIEW_PREFIX}n:{report.id}")]
    )
    return fit(lines), InlineKeyboardMarkup(rows)


@admin_command("review")
async def review(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/review: the oldest open "not about" reports, one message each, with the fixes as buttons."""
    reports = await open_reports(ctx.db, REVIEW_PAGE)
    if not reports:
        await reply(update, 'No open reports. Alerts carry a "Not about …" button for admins.')
        return "none open"
    total = await count_open_reports(ctx.db)
    await reply(update, f"{total} open report{'s' if total != 1 else ''}; the oldest {len(reports)} follow.")
    for report in reports:
        html, buttons = _review_message(ctx, report)
        await reply(update, html, reply_markup=buttons)
    return f"{len(reports)} shown of {total}"


async def _decide(ctx: BotContext, report: Report, action: str, by: int) -> str:
    """Apply one /review decision; the answer to show. Raises InvalidArgument when it cannot be applied."""
    alias, words = _review_choices(ctx, report)
    name = entity_name(ctx, report.entity_id)
    if action == "n":
        done = await close_reports(
            ctx.db, report, status="dismissed", resolution="the tag was right", by=by, at=ctx.clock()
        )
        return (
            f"Dismissed: the alert was about {escape(name)}." if done else "Someone decided this one already."
        )
    if alias is None:
        raise InvalidArgument("The matched name is no longer in the item's tags; dismiss the report instead.")
    if action == "d":
        entity = next((e for e in ctx.gazetteer.definitions if e.id == report.entity_id), None)
        if entity is not None and len(entity.aliases) <= 1:
            raise InvalidArgument(
                f"{quoted(alias, 80)} is the only name of {escape(name)}: give it an exclusion word, or stop"
                f" tracking it with /untrack {escape(report.entity_id)}."
            )
        fix: tuple[FixKind, str, str | None] = ("disable", alias, None)
        status: ReportStatus = "disabled"
        resolution = f"disabled {alias}"
        answer = f"The name {quoted(alias, 80)} no longer tags {escape(name)}, from the next item on."
    else:
        index = int(action[1:]) if action[1:].isdigit() else -1
        if not 0 <= index < len(words):
            raise InvalidArgument("That choice is out of date; run /review again.")
        word = words[index]
        fix = ("exclude", alias, word)
        status, resolution = "excluded", f"{alias} unless near {word}"
        answer = (
            f"The name {quoted(alias, 80)} no longer tags {escape(name)} when {quoted(word, 40)} stands"
            " near it, from the next item on."
        )
    async with _entity_lock(ctx):
        try:
            async with ctx.db.transaction() as session:
                closed = await close_reports_in(
                    session, report, status=status, resolution=resolution, by=by, at=ctx.clock(), fix=fix
                )
                if not closed:
                    return "Someone decided this one already."
                gazetteer = await _rebuild_gazetteer(session, ctx)
        except GazetteerError as exc:  # the transaction rolled back: the report stays open
            raise InvalidArgument(f"Not applied: {escape(str(exc))}") from None
        ctx.gazetteer = gazetteer
    return answer


@admin_command("review")
async def review_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """A fix chosen on a /review message: applied, audited, and the message says what was decided."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return None
    action, _, report_id = (query.data or "")[len(REVIEW_PREFIX) :].partition(":")
    report = await get_report(ctx.db, int(report_id)) if report_id.isdigit() else None
    if report is None:
        await query.answer("This report is gone.")
        return "unknown report"
    if report.status != "open":
        await query.answer("Someone decided this one already.")
        return f"#{report.id} already {report.status}"
    try:
        answer = await _decide(ctx, report, action, user.id)
    except InvalidArgument as exc:
        await query.answer()
        raise exc from None
    await query.answer()
    try:
        await query.edit_message_text(f"Report #{report.id}: {answer}", parse_mode="HTML")
    except TelegramError as exc:  # the message is too old to edit: say it in a new one
        log.info("could not edit review message: %s", exc)
        await reply(update, answer)
    return f"#{report.id} {action}: {answer[:200]}"


# ---------------------------------------------------------------------------------------------- /missed

_offer_numbers = itertools.count(1)


def _split_missed(ctx: BotContext, arguments: str) -> tuple[str, Any]:
    """(text or URL, entity) from "/missed <text> <entity>" or "/missed <text>; <entity>"."""
    if ";" in arguments:
        text, _, name = arguments.rpartition(";")
        entity = ctx.gazetteer.resolve(name.strip())
        if entity is None:
            raise InvalidArgument(f"No tracked entity {quoted(name.strip())}. /entities lists them.")
        return text.strip(), entity
    words = arguments.split()
    for size in range(min(4, len(words) - 1), 0, -1):
        entity = ctx.gazetteer.resolve(" ".join(words[-size:]))
        if entity is not None:
            return " ".join(words[:-size]), entity
    raise InvalidArgument(escape("Name the entity at the end, e.g. /missed <text>; sev_lake"))


@admin_command("missed")
async def missed(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """/missed <url or text> <entity>: what the classifier sees for that entity in the text, and an offer to
    add the word that was meant as an alias."""
    arguments = command_arguments(update.effective_message)
    if not arguments or ctx.gazetteer is None:
        await reply(update, "Usage: " + escape(USAGE["missed"]))
        return "usage"
    text, entity = _split_missed(ctx, arguments)
    if not text:
        await reply(update, "Usage: " + escape(USAGE["missed"]))
        return "usage"
    title, summary = text, ""
    if text.startswith(("http://", "https://")):
        item = await item_text_by_link(ctx.db, text)
        if item is None:
            raise InvalidArgument("No stored item has that link; paste its headline instead.")
        title, summary = item
    explanation = explain(ctx.gazetteer, entity.id, title, summary)
    lines = [f"<b>{escape(entity.name)}</b> in {quoted(title, 200)}:"]
    if explanation.found:
        lines.append("Found: " + ", ".join(quoted(text, 60) for text in explanation.matched) + ".")
    else:
        lines.append("Not found.")
    for verdict in explanation.verdicts:
        if verdict.reason is not None:
            lines.append(
                f"• {quoted(verdict.found_text, 60)} ({verdict.language} name {quoted(verdict.alias, 60)}): "
                f"{escape(verdict.reason)}"
            )
    if not explanation.found and not explanation.verdicts:
        lines.append("No name of it, or anything close, stands in the text.")
    markup = None
    if not explanation.found and explanation.suggestion:
        try:
            suggestion = validate_alias(explanation.suggestion)
        except InvalidArgument:
            suggestion = ""
        if suggestion:
            number = next(_offer_numbers)
            ctx.extras.setdefault("missed_offers", {})[number] = (entity.id, suggestion)
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            f"Add «{suggestion[:40]}» as a name of {entity.name[:30]}",
                            callback_data=f"{MISSED_PREFIX}{number}",
                        )
                    ]
                ]
            )
            lines.append(f"Add {quoted(suggestion, 60)} as a name? (or /alias {entity.id} &lt;name&gt;)")
    await reply(update, fit(lines), reply_markup=markup)
    return f"{entity.id}: {'found' if explanation.found else 'missed'}"


@admin_command("missed")
async def missed_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: BotContext) -> str | None:
    """The "add as a name" button of a /missed answer: the alias is added and tags the next item."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return None
    number = (query.data or "")[len(MISSED_PREFIX) :]
    offer = ctx.extras.get("missed_offers", {}).pop(int(number), None) if number.isdigit() else None
    if offer is None:
        await query.answer("This offer is out of date; run /missed again.")
        return "stale offer"
    entity_id, text = offer
    async with _entity_lock(ctx):
        try:
            async with ctx.db.transaction() as session:
                added = await add_alias(session, entity_id, text, added_by=user.id)
                gazetteer = await _rebuild_gazetteer(session, ctx)
        except GazetteerError as exc:
            raise InvalidArgument(f"Not added: {escape(str(exc))}") from None
        ctx.gazetteer = gazetteer
    await query.answer()
    name = escape(entity_name(ctx, entity_id))
    shown = f"{quoted(text, 60)} is {'now' if added else 'already'} a name of {name}."
    await reply(update, shown)
    return f"{entity_id}: alias {text}"


# ---------------------------------------------------------------------------------------------- /reportbutton


async def reportbutton(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reportbutton on|off: a chat admin (or a bot admin) lets everyone in the chat press "not about"."""
    ctx = get_context(context.application)
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    argument = command_arguments(message).lower()
    if argument not in ("on", "off"):
        await reply(update, "Usage: " + escape(USAGE["reportbutton"]))
        return
    if not await _chat_admin(context, ctx, chat.id, chat.type, user.id):
        await reply(update, "Only an admin of this chat can change that.")
        return
    if await get_chat(ctx.db, chat.id) is None:
        await reply(update, "Send /start first, then /reportbutton.")
        return
    await set_report_button(ctx.db, chat.id, argument == "on")
    await reply(
        update,
        'Everyone here can now press "Not about …" on alerts; admins review the reports.'
        if argument == "on"
        else 'Only bot admins can press "Not about …" here now.',
    )


async def _chat_admin(
    context: ContextTypes.DEFAULT_TYPE, ctx: BotContext, chat_id: int, chat_type: str, user_id: int
) -> bool:
    if chat_type == "private" or await is_admin(ctx.db, user_id, ctx.settings.admin_ids):
        return True
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


# ---------------------------------------------------------------------------------------------- registration

COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


def register_review_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /review, /missed, /reportbutton and the buttons of alerts, reviews and /missed answers."""
    application.add_handler(CommandHandler("review", review, filters=COMMAND_UPDATES))
    application.add_handler(CommandHandler("missed", missed, filters=COMMAND_UPDATES))
    application.add_handler(CommandHandler("reportbutton", reportbutton, filters=COMMAND_UPDATES))
    application.add_handler(CallbackQueryHandler(report_pressed, pattern=f"^{REPORT_PREFIX}"))
    application.add_handler(CallbackQueryHandler(review_pressed, pattern=f"^{REVIEW_PREFIX}"))
    application.add_handler(CallbackQueryHandler(missed_pressed, pattern=f"^{MISSED_PREFIX}"))
