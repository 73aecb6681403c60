"""What Telegram's errors mean for a chat: the one definition of "the chat is gone" and of "its forum topic is
gone" (delivery and digests)."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden

# Telegram's "the chat is gone for us" answers to a 400; any other 400 refuses the message itself.
_CHAT_GONE = ("chat not found", "bot was blocked", "bot was kicked", "user is deactivated", "not a member")
# Telegram's answers to a message for a forum topic that was deleted
_TOPIC_GONE = ("message thread not found", "topic_deleted")


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


__all__ = ["chat_is_gone", "topic_is_gone"]
