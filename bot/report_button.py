""" "Not about <entity>" buttons under alerts: who sees them, and the callback data a press carries.

Bot admins get them in their own private chats; everyone gets them in a chat whose admin turned them on with
/reportbutton on. A press is handled in bot.commands.review.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import N_, translation
from storage import reports as storage_reports

REPORT_PREFIX = "na:"  # na:<delivery id>:<entity id>
MAX_BUTTONS = 3  # "not about" buttons on one alert
_CALLBACK_BYTES = 64  # Telegram's limit on callback data
LABEL = N_("Not about {name}")


def entity_name(ctx: BotContext, entity_id: str) -> str:
    """The entity's display name in the gazetteer in force (its id when it is no longer tracked)."""
    entity = ctx.gazetteer.get(entity_id) if ctx.gazetteer is not None else None
    return str(entity.name) if entity is not None else entity_id


ButtonChat = tuple[bool, str | None]  # (whether the chat gets the buttons, its /lang choice)


async def report_button_chats(ctx: BotContext, chat_ids: Iterable[int]) -> dict[int, ButtonChat]:
    """For each chat, whether its alerts carry the buttons and in which language (two queries in all)."""
    return await storage_reports.report_button_chats(ctx.db, chat_ids, ctx.settings.admin_ids)


async def report_buttons(
    ctx: BotContext,
    chat_id: int,
    delivery_id: int,
    entity_ids: tuple[str, ...],
    chat: ButtonChat | None = None,
) -> InlineKeyboardMarkup | None:
    """The "not about <entity>" buttons for an alert of delivery `delivery_id` in `chat_id`, or None (not
    allowed there, or nothing matched), labelled in the chat's chosen language. `chat` is what
    report_button_chats said of the chat, when the caller asked already."""
    if not entity_ids:
        return None
    if chat is None:
        chat = (await report_button_chats(ctx, [chat_id]))[chat_id]
    allowed, language = chat
    if not allowed:
        return None
    label = translation(language or "en").gettext(LABEL)
    rows = []
    for entity_id in entity_ids[:MAX_BUTTONS]:
        data = f"{REPORT_PREFIX}{delivery_id}:{entity_id}"
        if len(data.encode()) <= _CALLBACK_BYTES:
            rows.append(
                [InlineKeyboardButton(label.format(name=entity_name(ctx, entity_id)), callback_data=data)]
            )
    return InlineKeyboardMarkup(rows) if rows else None
