""" "Not about <entity>" buttons under alerts: who sees them, and the callback data a press carries.

Bot admins get them in their own private chats; everyone gets them in a chat whose admin turned them on with
/reportbutton on. A press is handled in bot.commands.review.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import N_, translation
from storage.reports import report_button_chat

REPORT_PREFIX = "na:"  # na:<delivery id>:<entity id>
MAX_BUTTONS = 3  # "not about" buttons on one alert
_CALLBACK_BYTES = 64  # Telegram's limit on callback data
LABEL = N_("Not about {name}")


def entity_name(ctx: BotContext, entity_id: str) -> str:
    """The entity's display name in the gazetteer in force (its id when it is no longer tracked)."""
    entity = ctx.gazetteer.get(entity_id) if ctx.gazetteer is not None else None
    return str(entity.name) if entity is not None else entity_id


async def report_buttons(
    ctx: BotContext, chat_id: int, delivery_id: int, entity_ids: tuple[str, ...]
) -> InlineKeyboardMarkup | None:
    """The "not about <entity>" buttons for an alert of delivery `delivery_id` in `chat_id`, or None (not
    allowed there, or nothing matched), labelled in the chat's chosen language."""
    if not entity_ids:
        return None
    allowed, language = await report_button_chat(ctx.db, chat_id, ctx.settings.admin_ids)
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
