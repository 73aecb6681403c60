"""Story commands: /story <id> for admins (why each item joined), /digest and /alerts for any chat."""

from __future__ import annotations

from telegram import Update

from bot.admin_auth import admin_command
from bot.arguments import command_arguments
from bot.commands.subscriptions import may_change_chat
from bot.context import BotCallbackContext, BotContext
from bot.i18n import N_, _
from bot.replies import escape, fit, link, publication_time, quoted, reply
from bot.validate import row_id
from feeds.stories import DAY_COMPARED
from storage import chats, digests
from storage.stories import story_details
from storage.timeofday import canonical_time_of_day

# translated where shown
STORY_USAGE = N_("Usage: /story &lt;id&gt; — e.g. /story 12")
DIGEST_USAGE = N_("Usage: /digest daily HH:MM (UTC) | off — e.g. /digest daily 08:00")
ALERTS_USAGE = N_("Usage: /alerts on | off — off: only P1 alerts, the rest in the digest")
CHANGE_REFUSED = N_("Only this group's admins can change how it receives news.")


@admin_command("story")
async def story(update: Update, context: BotCallbackContext, ctx: BotContext) -> str | None:
    """/story <id>: the story's items, oldest first, each with its source, time, language, rule and score, the
    item it matched and the parts of the two signatures that agreed; the stories merged into it, or the story
    it was merged into."""
    argument = command_arguments(update).removeprefix("#")
    if not argument.isascii() or not argument.isdigit():
        await reply(update, _(STORY_USAGE))
        return "usage"
    number = row_id(argument)
    details = await story_details(ctx.db, number) if number is not None else None
    if details is None:
        await reply(update, _("There is no story {id}.").format(id=escape(argument[:20])))
        return "not found"
    level = f"{details.severity} · " if details.severity else ""
    lines = [
        _("<b>Story {id}</b> · {severity}{items} items, {sources} sources").format(
            id=details.id, severity=level, items=len(details.members), sources=len(details.sources)
        ),
        escape(details.title),
    ]
    if details.merged_into is not None:
        lines.append(_("Merged into story {id}: /story {id}").format(id=details.merged_into))
    if details.merged_from:
        lines.append(_("Merged from stories {ids}").format(ids=", ".join(map(str, details.merged_from))))
    lines.append("")
    for member in details.members:
        why = member.rule or "?"
        if member.score is not None:
            why += f" {member.score:g}"
        when = publication_time(member.published, member.published_day_only)
        lines.append(
            f"• #{member.item_id} [{escape(why)}] {escape(member.source)}, {when}, "
            f"{escape(member.language or '?')}: {link(member.title, member.link)}"
        )
        because = []
        if member.matched_item is not None:
            because.append(_("matched #{item}").format(item=member.matched_item))
        agreed = [part for part in member.evidence if part != DAY_COMPARED]
        if agreed:
            because.append(_("agreed: {parts}").format(parts=", ".join(agreed)))
        if DAY_COMPARED in member.evidence:
            because.append(_("times compared as whole days (a source gave only the date)"))
        if member.merged:
            because.append(
                _("showed stories {ids} to be this one").format(ids=", ".join(map(str, member.merged)))
            )
        if member.events:
            because.append(_("events: {events}").format(events=", ".join(member.events)))
        if because:
            lines.append("   " + escape("; ".join(because)))
    await reply(update, fit(lines))
    return f"story {details.id}"


async def _register(update: Update, ctx: BotContext) -> int | None:
    chat = update.effective_chat
    if chat is None:
        return None
    await chats.register_chat(ctx.db, chat.id, chat.type, chat.title)
    return chat.id


def _modes_line(modes: digests.ChatModes) -> str:
    if modes.digest_time is None:
        if modes.alerts_enabled:
            return _("This chat gets alerts as they happen and no digest.")
        return _("This chat gets P1 alerts only and no digest.")
    if modes.alerts_enabled:
        text = _("This chat gets alerts as they happen and a digest daily at {time} UTC.")
    else:
        text = _("This chat gets P1 alerts only and a digest daily at {time} UTC.")
    return text.format(time=modes.digest_time)


async def digest(update: Update, context: BotCallbackContext) -> None:
    """/digest daily HH:MM | off: one message a day (UTC) listing the stories since the last digest."""
    ctx = context.ctx
    words = command_arguments(update).lower().split()
    chat = update.effective_chat
    if chat is None:
        return
    if not words:
        modes = await digests.chat_modes(ctx.db, chat.id)
        current = _modes_line(modes) + "\n" if modes is not None else ""
        await reply(update, current + _(DIGEST_USAGE))
        return
    wanted: str | None
    if words == ["off"]:
        wanted = None
    elif len(words) == 2 and words[0] == "daily":
        try:
            wanted = canonical_time_of_day(words[1])
        except ValueError:
            refusal = _("{text} is not a time of day (00:00 to 23:59).").format(text=quoted(words[1], 20))
            await reply(update, f"{refusal}\n{_(DIGEST_USAGE)}")
            return
    else:
        await reply(update, _(DIGEST_USAGE))
        return
    if not await may_change_chat(update, context):
        await reply(update, _(CHANGE_REFUSED))
        return
    chat_id = await _register(update, ctx)
    if chat_id is None:
        return
    modes = await digests.set_digest(ctx.db, chat_id, wanted, ctx.clock())
    if wanted is None:
        note = "" if modes.alerts_enabled else " " + _("Alerts are off too: /alerts on brings them back.")
        await reply(update, _("Digest off.") + note)
        return
    await reply(
        update,
        _("Digest daily at {time} UTC: the stories since the last one.").format(time=wanted)
        + " "
        + _modes_line(modes),
    )


async def alerts(update: Update, context: BotCallbackContext) -> None:
    """/alerts on|off: take alerts as they happen, or only P1 ones (the rest in the digest)."""
    ctx = context.ctx
    words = command_arguments(update).lower().split()
    chat = update.effective_chat
    if chat is None:
        return
    if words not in (["on"], ["off"]):
        modes = await digests.chat_modes(ctx.db, chat.id)
        current = _modes_line(modes) + "\n" if modes is not None else ""
        await reply(update, current + _(ALERTS_USAGE))
        return
    if not await may_change_chat(update, context):
        await reply(update, _(CHANGE_REFUSED))
        return
    chat_id = await _register(update, ctx)
    if chat_id is None:
        return
    modes = await digests.set_alerts(ctx.db, chat_id, words == ["on"])
    hint = (
        "" if modes.alerts_enabled or modes.digest_time else " " + _("Set a digest with /digest daily HH:MM.")
    )
    await reply(update, _modes_line(modes) + hint)


__all__ = ["alerts", "digest", "story"]
