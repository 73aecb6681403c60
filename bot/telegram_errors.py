"""What Telegram's errors mean for a chat: the one definition of "the chat is gone", "its forum topic is
gone", "its forum topic is closed" and "the bot may not send there for now" (delivery and digests), and of
"a button press can no longer be answered" (commands)."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden

# Telegram's "the chat is gone for us" answers to a 400; any other 400 refuses the message itself.
_CHAT_GONE = ("chat not found", "bot was blocked", "bot was kicked", "user is deactivated", "not a member")
# Telegram's answers to a message for a forum topic that was deleted
_TOPIC_GONE = ("message thread not found", "topic_deleted")
# Telegram's answer to a message for a forum topic that admins closed (it can be reopened)
_TOPIC_CLOSED = ("topic_closed",)
# Telegram's answers when the bot is in the chat but may not post there: restricted by an admin, the group's
# permissions forbid members to send ("not enough rights to send text messages/photos/documents to the
# chat"; "have no rights to send a message" before 2023), or a channel admin without the right to post
_MAY_NOT_SEND = (
    "not enough rights to send",
    "have no rights to send",
    "need administrator rights in the channel chat",
    "chat_write_forbidden",
    "chat_restricted",
)


# Telegram's answer to answerCallbackQuery some seconds after the press, or for a press answered already
_PRESS_EXPIRED = ("query is too old", "query id is invalid", "query_id_invalid")


def press_expired(error: BaseException) -> bool:
    """Whether `error` says a button press can no longer be answered (too old, or answered already)."""
    return isinstance(error, BadRequest) and any(reason in error.message.lower() for reason in _PRESS_EXPIRED)


def chat_is_gone(error: BaseException) -> bool:
    """Whether `error` says the chat can no longer receive messages from the bot (blocked, kicked, deleted):
    a 403, or a 400 naming such a reason. The chat is then deactivated until it writes /start again."""
    if isinstance(error, Forbidden):
        return True
    return isinstance(error, BadRequest) and any(reason in error.message.lower() for reason in _CHAT_GONE)


def topic_is_gone(error: BaseException) -> bool:
    """Whether `error` says the forum topic a message was sent to no longer exists. The chat's alerts then go
    to its General topic (a /subscribe in a topic picks another)."""
    return isinstance(error, BadRequest) and any(reason in error.message.lower() for reason in _TOPIC_GONE)


def topic_is_closed(error: BaseException) -> bool:
    """Whether `error` says the forum topic a message was sent to is closed (admins may reopen it)."""
    return isinstance(error, BadRequest) and any(reason in error.message.lower() for reason in _TOPIC_CLOSED)


def may_not_send(error: BaseException) -> bool:
    """Whether `error` says the bot, still in the chat, may not send messages there for now. The chat's
    alerts then wait (storage.deliveries.hold_chat) until it may again."""
    return isinstance(error, BadRequest) and any(reason in error.message.lower() for reason in _MAY_NOT_SEND)


__all__ = ["chat_is_gone", "may_not_send", "press_expired", "topic_is_closed", "topic_is_gone"]
