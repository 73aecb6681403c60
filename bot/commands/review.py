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

import asyncio
import itertools
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.admin_auth import admin_command
from bot.arguments import command_arguments
from bot.commands.admin import _resolve, change_gazetteer
from bot.commands.subscriptions import may_change_chat
from bot.context import BotCallbackContext, BotContext
from bot.i18n import N_, _, ngettext
from bot.replies import answer_press, escape, fit, quoted, reply
from bot.report_button import REPORT_PREFIX, entity_name
from bot.validate import InvalidArgument, validate_alias
from feeds import explain as why
from feeds.definitions import GazetteerError
from feeds.language import detect_language
from feeds.normalize import canonical_link
from storage.admins import is_admin
from storage.chats import register_chat
from storage.gazetteer import GazetteerChange
from storage.reports import (
    FixKind,
    Report,
    ReportStatus,
    close_reports,
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
# /missed offers kept for their buttons: the newest this many (an older button answers "out of date")
MISSED_OFFERS_KEPT = 100
REVIEW_PAGE = 5
CONTEXT_CHARS = 70

USAGE = {
    "missed": N_("/missed <url or text> <entity> — e.g. /missed Troops seen near Sevlic lake; sev_lake"),
    "reportbutton": N_('/reportbutton on|off — let everyone here press "Not about …" under alerts'),
}
ALREADY_DECIDED = N_("Someone decided this one already.")

# how /missed words each reason a name in the text did not count (feeds.explain's reason codes)
REASONS = {
    why.QUOTED: N_("it stands in quotes, which for this name means something else (a club, a brand)"),
    why.EXCLUDED: N_("the word «{detail}» stands near it"),
    why.NEEDS_ALL: N_("it also needs one of: {detail}"),
    why.NEEDS_CONTEXT: N_("it counts only beside one of: {detail}"),
    why.CAPITALS: N_("«{alias}» must be written with its capitals"),
    why.LONGER_NAME: N_("it is part of a longer name of another entity"),
    why.NOT_A_FORM: N_("«{found}» is not a form of «{alias}»"),
}


def _usage(command: str) -> str:
    return escape(_("Usage: {usage}").format(usage=_(USAGE[command])))


# ---------------------------------------------------------------------------------------------- alerts


def _row_id(text: str) -> bool:
    """Whether a button's number can be a row id: ASCII digits that fit a 64-bit integer (a crafted button
    may carry "²", which str.isdigit accepts and int refuses, or more digits than the database takes)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


async def report_pressed(update: Update, context: BotCallbackContext) -> None:
    """A press of "not about <entity>": recorded for /review when the presser may report here."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    ctx = context.ctx
    parts = (query.data or "")[len(REPORT_PREFIX) :].split(":", 1)
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else None
    if len(parts) != 2 or not _row_id(parts[0]):
        await answer_press(query, _("This button is out of date."))
        return
    admin = await is_admin(ctx.db, user.id, ctx.settings.admin_ids)
    if not admin and not (chat_id is not None and await report_button_for_everyone(ctx.db, chat_id)):
        await answer_press(query, _("Only bot admins can report alerts in this chat."), show_alert=True)
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
        await answer_press(query, _("This alert is no longer known."))
        return
    name = entity_name(ctx, parts[1])
    await answer_press(
        query,
        _("Thanks: reported as not about {name}. Admins review it with /review.").format(name=name)
        if recorded[1]
        else _("You already reported this as not about {name}.").format(name=name),
    )


# ---------------------------------------------------------------------------------------------- /review


def _item_text(report: Report) -> str:
    return report.title + ("\n" + report.summary if report.summary else "")


def _context_html(report: Report) -> str:
    """The item's text around the first matched span, the match in bold."""
    if not report.spans:
        return quoted(report.title, 200)
    text = _item_text(report)
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
    entity = next((e for e in ctx.entities.definitions if e.id == report.entity_id), None)
    alias = why.alias_for_span(entity, matched) if entity is not None else None
    words = why.exclusion_candidates(_item_text(report), start, stop)
    return (alias.text if alias is not None else matched), words


def _button(label: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(label, callback_data=f"{REVIEW_PREFIX}{data}")]


def _review_message(ctx: BotContext, report: Report) -> tuple[str, InlineKeyboardMarkup]:
    alias, words = _review_choices(ctx, report)
    name = escape(entity_name(ctx, report.entity_id))
    heading = _("Report #{id}: not about <b>{name}</b>").format(id=report.id, name=name)
    if report.reporters > 1:
        heading += " " + ngettext("({n} report)", "({n} reports)", report.reporters).format(
            n=report.reporters
        )
    lines = [heading, _context_html(report)]
    if alias is not None:
        lines.append(_("Matched name: {alias}").format(alias=quoted(alias, 80)))
    rows = [
        _button(_("Ignore it near «{word}»").format(word=word[:24]), f"x{index}:{report.id}")
        for index, word in enumerate(words)
    ]
    if alias is not None:
        rows.append(_button(_("Disable the name «{alias}»").format(alias=alias[:30]), f"d:{report.id}"))
    rows.append(_button(_("Dismiss: the tag was right"), f"n:{report.id}"))
    return fit(lines), InlineKeyboardMarkup(rows)


@admin_command("review")
async def review(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/review: the oldest open "not about" reports, one message each, with the fixes as buttons."""
    reports = await open_reports(ctx.db, REVIEW_PAGE)
    if not reports:
        await reply(update, _('No open reports. Alerts carry a "Not about …" button for admins.'))
        return "none open"
    total = await count_open_reports(ctx.db)
    heading = ngettext(
        "{total} open report; the oldest {shown} follow.",
        "{total} open reports; the oldest {shown} follow.",
        total,
    )
    await reply(update, heading.format(total=total, shown=len(reports)))
    for report in reports:
        html, buttons = _review_message(ctx, report)
        await reply(update, html, reply_markup=buttons)
    return f"{len(reports)} shown of {total}"


async def _decide(ctx: BotContext, report: Report, action: str, by: int) -> str:
    """Apply one /review decision; the answer to show. Raises InvalidArgument when it cannot be applied."""
    alias, words = _review_choices(ctx, report)
    name = escape(entity_name(ctx, report.entity_id))
    if action == "n":
        done = await close_reports(
            ctx.db, report, status="dismissed", resolution="the tag was right", by=by, at=ctx.clock()
        )
        return _("Dismissed: the alert was about {name}.").format(name=name) if done else _(ALREADY_DECIDED)
    if alias is None:
        raise InvalidArgument(
            _("The matched name is no longer in the item's tags; dismiss the report instead.")
        )
    status: ReportStatus
    fix: tuple[FixKind, str, str | None]
    if action == "d":
        entity = next((e for e in ctx.entities.definitions if e.id == report.entity_id), None)
        if entity is not None and len(entity.aliases) <= 1:
            raise InvalidArgument(
                _(
                    "{alias} is the only name of {name}: give it an exclusion word, or stop tracking it"
                    " with /untrack {id}."
                ).format(alias=quoted(alias, 80), name=name, id=escape(report.entity_id))
            )
        fix, status, resolution = ("disable", alias, None), "disabled", f"disabled {alias}"
        answer = _("The name {alias} no longer tags {name}, from the next item on.").format(
            alias=quoted(alias, 80), name=name
        )
    else:
        index = int(action[1:]) if action[1:].isdigit() else -1
        if not 0 <= index < len(words):
            raise InvalidArgument(_("That choice is out of date; run /review again."))
        word = words[index]
        fix, status, resolution = ("exclude", alias, word), "excluded", f"{alias} unless near {word}"
        answer = _(
            "The name {alias} no longer tags {name} when {word} stands near it, from the next item on."
        ).format(alias=quoted(alias, 80), name=name, word=quoted(word, 40))

    async def close(change: GazetteerChange) -> None:
        closed = await change.close_reports(
            report, status=status, resolution=resolution, by=by, at=ctx.clock(), fix=fix
        )
        if not closed:
            raise _AlreadyDecided

    try:
        await change_gazetteer(ctx, close)
    except _AlreadyDecided:
        return _(ALREADY_DECIDED)
    except GazetteerError as exc:  # nothing was committed: the report stays open
        raise InvalidArgument(_("Not applied: {error}").format(error=escape(str(exc)))) from None
    return answer


class _AlreadyDecided(Exception):
    """The report was closed meanwhile (another admin's decision): nothing to change."""


@admin_command("review")
async def review_pressed(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """A fix chosen on a /review message: applied, audited, and the message says what was decided."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return None
    action, _colon, report_id = (query.data or "")[len(REVIEW_PREFIX) :].partition(":")
    report = await get_report(ctx.db, int(report_id)) if _row_id(report_id) else None
    if report is None:
        await answer_press(query, _("This report is gone."))
        return "unknown report"
    if report.status != "open":
        await answer_press(query, _(ALREADY_DECIDED))
        return f"#{report.id} already {report.status}"
    try:
        answer = await _decide(ctx, report, action, user.id)
    except InvalidArgument:
        await answer_press(query)
        raise
    await answer_press(query)
    try:
        await query.edit_message_text(_("Report #{id}: {answer}").format(id=report.id, answer=answer))
    except TelegramError as exc:  # the message is too old to edit: say it in a new one
        log.info("could not edit review message: %s", exc)
        await reply(update, answer)
    return f"#{report.id} {action}: {answer[:200]}"


# ---------------------------------------------------------------------------------------------- /missed

_offer_numbers = itertools.count(1)


def _split_missed(ctx: BotContext, arguments: str) -> tuple[str, Any]:
    """(text or URL, entity) from "/missed <text> <entity>" or "/missed <text>; <entity>"."""
    if ";" in arguments:
        text, _semicolon, name = arguments.rpartition(";")
        return text.strip(), _resolve(ctx, name.strip())
    words = arguments.split()
    for size in range(min(4, len(words) - 1), 0, -1):
        entity = ctx.entities.resolve(" ".join(words[-size:]))
        if entity is not None:
            return " ".join(words[:-size]), entity
    raise InvalidArgument(escape(_("Name the entity at the end, e.g. /missed <text>; sev_lake")))


def _verdict_line(verdict: why.AliasVerdict) -> str:
    reason = _(REASONS[verdict.reason or why.LONGER_NAME]).format(
        detail=verdict.detail, alias=verdict.alias, found=verdict.found_text
    )
    return "• " + _("{found} (name {alias}, {language}): {reason}").format(
        found=quoted(verdict.found_text, 60),
        alias=quoted(verdict.alias, 60),
        language=verdict.language,
        reason=escape(reason),
    )


@admin_command("missed")
async def missed(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/missed <url or text> <entity>: what the classifier sees for that entity in the text, and an offer to
    add the word that was meant as an alias."""
    arguments = command_arguments(update)
    if not arguments or ctx.gazetteer is None:
        await reply(update, _usage("missed"))
        return "usage"
    text, entity = _split_missed(ctx, arguments)
    if not text:
        await reply(update, _usage("missed"))
        return "usage"
    # pasted text is classified as ingestion classifies an item whose feed declares no language (in the
    # language it is written in, feeds.language); a stored item as it was, in its stored language
    if text.startswith(("http://", "https://")):
        # stored links are canonical (feeds.normalize): the link as pasted, with its tracking parameters,
        # fragment or Armenian path, is looked up in that form
        item = await item_text_by_link(ctx.db, canonical_link(text) or text)
        if item is None:
            raise InvalidArgument(_("No stored item has that link; paste its headline instead."))
        title, summary, language = item
    else:
        title, summary, language = text, "", detect_language(text)
    # off the event loop: near matches in a long article take seconds, and alerts and other chats go on
    explanation = await asyncio.to_thread(why.explain, ctx.gazetteer, entity.id, title, summary, language)
    name = escape(entity.name)
    lines = [_("<b>{name}</b> in {title}:").format(name=name, title=quoted(title, 200))]
    if explanation.found:
        found = ", ".join(quoted(text, 60) for text in explanation.matched)
        lines.append(_("Found: {names}.").format(names=found))
    else:
        lines.append(_("Not found."))
    lines.extend(_verdict_line(verdict) for verdict in explanation.verdicts if verdict.reason is not None)
    if not explanation.found and not explanation.verdicts:
        lines.append(_("No name of it, or anything close, stands in the text."))
    markup = None
    suggestion = _valid_alias(explanation.suggestion) if not explanation.found else ""
    if suggestion:
        number = next(_offer_numbers)
        ctx.missed_offers[number] = (entity.id, suggestion)
        while len(ctx.missed_offers) > MISSED_OFFERS_KEPT:
            del ctx.missed_offers[next(iter(ctx.missed_offers))]  # the oldest (numbers only grow)
        label = _("Add «{alias}» as a name of {name}").format(alias=suggestion[:40], name=entity.name[:30])
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=f"{MISSED_PREFIX}{number}")]]
        )
        lines.append(
            _("Add {alias} as a name? (or /alias {id} {placeholder})").format(
                alias=quoted(suggestion, 60), id=entity.id, placeholder=escape("<name>")
            )
        )
    await reply(update, fit(lines), reply_markup=markup)
    return f"{entity.id}: {'found' if explanation.found else 'missed'}"


def _valid_alias(text: str | None) -> str:
    if not text:
        return ""
    try:
        return validate_alias(text)
    except InvalidArgument:
        return ""


@admin_command("missed")
async def missed_pressed(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """The "add as a name" button of a /missed answer: the alias is added and tags the next item."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return None
    number = (query.data or "")[len(MISSED_PREFIX) :]
    offer = ctx.missed_offers.pop(int(number), None) if _row_id(number) else None
    if offer is None:
        await answer_press(query, _("This offer is out of date; run /missed again."))
        return "stale offer"
    entity_id, text = offer
    await answer_press(query)
    try:
        added = await change_gazetteer(
            ctx, lambda change: change.add_alias(entity_id, text, added_by=user.id)
        )
    except GazetteerError as exc:
        raise InvalidArgument(_("Not added: {error}").format(error=escape(str(exc)))) from None
    name = escape(entity_name(ctx, entity_id))
    shown = (
        _("{alias} is now a name of {name}.") if added else _("{alias} is already a name of {name}.")
    ).format(alias=quoted(text, 60), name=name)
    await reply(update, shown)
    return f"{entity_id}: alias {text}"


# ---------------------------------------------------------------------------------------------- /reportbutton


async def reportbutton(update: Update, context: BotCallbackContext) -> None:
    """/reportbutton on|off: a chat's admin lets everyone in the chat press "not about" (or takes it back)."""
    ctx = context.ctx
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    argument = command_arguments(update).lower()
    if argument not in ("on", "off"):
        await reply(update, _usage("reportbutton"))
        return
    if not await may_change_chat(update, context):
        await reply(update, _("Only this group's admins can change who reports alerts."))
        return
    await register_chat(ctx.db, chat.id, chat.type, chat.title)
    await set_report_button(ctx.db, chat.id, argument == "on")
    await reply(
        update,
        _('Everyone here can now press "Not about …" under alerts; bot admins review the reports.')
        if argument == "on"
        else _('Only bot admins can press "Not about …" here now.'),
    )


# ---------------------------------------------------------------------------------------------- registration

COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST

# (command, callback, description for the admin command menu)
REVIEW_COMMANDS = [
    ("review", review, N_('Open "not about" reports, with fixes')),
    ("missed", missed, N_("Why an item was not tagged: /missed <url or text> <entity>")),
]


def register_review_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /review, /missed, /reportbutton and the buttons of alerts, reviews and /missed answers."""
    for name, callback, _description in REVIEW_COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=COMMAND_UPDATES))
    application.add_handler(CommandHandler("reportbutton", reportbutton, filters=COMMAND_UPDATES))
    application.add_handler(CallbackQueryHandler(report_pressed, pattern=f"^{REPORT_PREFIX}"))
    application.add_handler(CallbackQueryHandler(review_pressed, pattern=f"^{REVIEW_PREFIX}"))
    application.add_handler(CallbackQueryHandler(missed_pressed, pattern=f"^{MISSED_PREFIX}"))
