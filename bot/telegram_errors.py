"""What Telegram's errors mean for a chat: the one definition of "the chat is gone" (delivery and digests)."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden

# Telegram's "the chat is gone for us" answers to a 400; any other 400 refuses the message itself.
_CHAT_GONE = ("chat not found", "bot was blocked", "bot was kicked", "user is deactivated", "not a member")


def chat_is_gone(error: BaseException) -> bool:
    """Whether `error` says the chat can no longer receive messages from the bot (blocked, kicked, deleted):
    a 403, or a 400 naming such a reason. The chat is then deactivated until it writes /start again."""
    if isinstance(error, Forbidden):
        return True
    return isinstance(error, BadRequest) and any(reason in error.message.lower() for reason in _CHAT_GONE)


__all__ = ["chat_is_gone"]
