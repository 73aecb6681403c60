"""Small helpers for command replies: usage lines, escaping echoed user text, history lines, one-message fit.

Replies are Telegram HTML: everything a user typed or a feed supplied goes through `escape`.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from telegram import CallbackQuery, LinkPreviewOptions, Message, Update
from telegram.error import BadRequest

from bot.i18n import N_, _, ngettext
from bot.telegram_errors import press_expired
from bot.telegram_text import MAX_MESSAGE, fits

logger = logging.getLogger(__name__)

# command replies and notices show links without a preview card
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# translated where shown (usage()); the command words themselves stay as they are typed
USAGE: dict[str, str] = {
    "subscribe": N_("/subscribe [entity …|all] — e.g. /subscribe Sev Lake, Lachin corridor"),
    "unsubscribe": N_("/unsubscribe [entity …|all] — e.g. /unsubscribe sev_lake"),
    "status": N_("/status [entity] — e.g. /status Syunik"),
    "latest": N_("/latest [n] [entity] — n from 1 to 20, e.g. /latest 10 Goris"),
    "search": N_("/search <words> — e.g. /search border shooting"),
    "quiet": N_("/quiet HH:MM-HH:MM [zone] | off | p1 on|off — e.g. /quiet 23:00-07:00 Asia/Yerevan"),
    "lang": N_("/lang en|ru|hy|az|auto — e.g. /lang hy; auto follows each user's Telegram language"),
    "chart": N_("/chart [entity] [days] — days from 1 to 90, e.g. /chart Sev Lake 30"),
}

SPARK_LEVELS = "▁▂▃▄▅▆▇█"


async def answer_press(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> None:
    """Answer a button press with `text` (a toast, or an alert to dismiss). A press Telegram takes no answer
    for any more (the bot got to it after Telegram's few seconds, or answered it already) is let go, so what
    the press does still happens."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as exc:
        if not press_expired(exc):
            raise
        logger.info("button press %s not answered: %s", query.id, exc.message)


def escape(text: str) -> str:
    """`text` (typed by a user or supplied by a feed) made safe inside a Telegram HTML message."""
    return html.escape(text, quote=True)


def quoted(text: str, limit: int = 80) -> str:
    """User text echoed back: shortened to `limit` characters, escaped, in quotes."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{escape(text)}”"


def usage(command: str) -> str:
    """The usage line of `command` in the reply language, escaped for HTML."""
    return escape(_("Usage: {usage}").format(usage=_(USAGE[command])))


def utc_time(moment: datetime) -> str:
    """A moment as `YYYY-MM-DD HH:MM UTC`."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def publication_time(moment: datetime, day_only: bool) -> str:
    """When an item was published: `YYYY-MM-DD HH:MM UTC`, or only `YYYY-MM-DD` when its source gave the day
    alone (its stored time is that day's noon, no time anyone published at)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d") if day_only else utc_time(moment)


def link(title: str, url: str | None) -> str:
    """`title` escaped, as a link when `url` is http or https (anything else is shown as plain text)."""
    shown = escape(title.strip() or _("(untitled)"))
    if url and url.lower().startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{shown}</a>'
    return shown


def history_line(title: str, url: str | None, source: str, published: datetime, severity: str | None) -> str:
    """One stored story as a reply line: severity, linked title, source and UTC time."""
    level = f"[{severity}] " if severity else ""
    return f"• {level}{link(title, url)} — {escape(source)}, {utc_time(published)}"


def sparkline(counts: Sequence[int]) -> str:
    """Counts as a text sparkline, one block per value, scaled to the largest (zero is the lowest block)."""
    top = max(counts, default=0)
    if top == 0:
        return SPARK_LEVELS[0] * len(counts)
    return "".join(SPARK_LEVELS[round(count * (len(SPARK_LEVELS) - 1) / top)] for count in counts)


def fit(lines: Sequence[str], limit: int = MAX_MESSAGE) -> str:
    """Join whole lines of HTML into one message Telegram accepts (at most `limit` UTF-16 units once
    parsed, see bot.telegram_text), saying how many lines were left out."""
    text = "\n".join(lines)
    if fits(text, limit):
        return text
    kept: list[str] = []
    for index, line in enumerate(lines):
        left = len(lines) - index
        tail = ngettext("… and {n} more line", "… and {n} more lines", left).format(n=left)
        if not fits("\n".join([*kept, line, tail]), limit):
            return "\n".join([*kept, tail])
        kept.append(line)
    return text


async def reply(update: Update, text: str, **kwargs: object) -> Message | None:
    """Answer in the command's chat (and forum topic) with one HTML message, link previews off; a text
    too long for Telegram keeps its first lines and says how many were left out."""
    message = update.effective_message
    if message is None:
        return None
    if not fits(text):
        text = fit(text.split("\n"))
    return await message.reply_text(
        text,
        link_preview_options=NO_PREVIEW,
        do_quote=False,
        **kwargs,  # type: ignore[arg-type]
    )
