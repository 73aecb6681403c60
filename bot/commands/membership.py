"""What Telegram tells the bot about its own place in a chat (my_chat_member updates) and about reopened
forum topics, acted on at once rather than at the next alert:

- removed from a group or channel, or blocked by a user: the chat stops getting alerts now (its unsent ones
  are dropped and its subscriptions kept, as when a send answers 403); added back or unblocked, it gets
  alerts again with the subscriptions it had;
- allowed to send again after a restriction: the alerts held meanwhile (storage.deliveries.hold_chat) go
  out now instead of at the next 5-minute try;
- a forum topic reopened: alerts go to it again (bot.topics), and a reopened General topic releases the
  alerts held while it was closed."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, ChatMember, ChatMemberAdministrator, ChatMemberRestricted, Update
from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

from bot.context import BotCallbackContext
from storage import chats, deliveries

logger = logging.getLogger(__name__)

GONE = frozenset({ChatMember.LEFT, ChatMember.BANNED})


def may_send(member: ChatMember, chat_type: str) -> bool:
    """Whether the bot, with this membership, may post in a chat of `chat_type`."""
    if member.status in GONE:
        return False
    if isinstance(member, ChatMemberRestricted):
        return member.is_member and member.can_send_messages
    if chat_type == Chat.CHANNEL:
        return member.status == ChatMember.OWNER or (
            isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)
        )
    return True


async def membership_changed(update: Update, context: BotCallbackContext) -> None:
    """A my_chat_member update: the bot was removed, blocked, added, restricted or allowed again."""
    change = update.my_chat_member
    if change is None:
        return
    ctx, chat, member = context.ctx, change.chat, change.new_chat_member
    if member.status in GONE:
        if chat.type == Chat.PRIVATE:
            reason = "the user blocked the bot"
        elif member.status == ChatMember.BANNED:
            reason = "the bot was removed from the chat"
        else:
            reason = "the bot left the chat"
        dropped = await deliveries.deactivate_chat(ctx.db, chat.id, reason)
        logger.info("chat %s: %s; deactivated (%d unsent alerts dropped)", chat.id, reason, dropped)
        return
    if not may_send(member, chat.type):
        return  # restricted: the next send finds out and holds the chat's alerts
    if await chats.reactivate_chat(ctx.db, chat.id):
        logger.info("chat %s: the bot is back; alerts resume", chat.id)
    released = await deliveries.release_held_chat(ctx.db, chat.id, ctx.clock())
    if released:
        logger.info("chat %s: the bot may send again; %d held alerts go out", chat.id, released)


async def topic_reopened(update: Update, context: BotCallbackContext) -> None:
    """A forum_topic_reopened service message: alerts go to that topic again."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    ctx = context.ctx
    if message.message_thread_id is not None and ctx.closed_topics.reopen(chat.id, message.message_thread_id):
        logger.info("chat %s: forum topic %s was reopened", chat.id, message.message_thread_id)
    await deliveries.release_held_chat(ctx.db, chat.id, ctx.clock())


def register_membership(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the my_chat_member and reopened-topic handlers to `application`."""
    application.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.FORUM_TOPIC_REOPENED, topic_reopened))
