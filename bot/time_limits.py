"""The time limit of the chat commands that read history (/status, /latest, /search, /chart, /feeds).

Their database statements must end within BORDERWATCH_COMMAND_TIMEOUT seconds of the command's start
(storage.db.time_limit); one that does not is stopped, and bot.error_reply answers plainly. Ingestion and
delivery never run under it.
"""

from __future__ import annotations

import functools
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from telegram import Update

from bot.context import BotCallbackContext, BotContext
from storage.db import time_limit


class _Callback(Protocol):
    def __call__(self, update: Update, context: BotCallbackContext) -> Coroutine[Any, Any, None]: ...


@contextmanager
def command_time_limit(ctx: BotContext) -> Iterator[None]:
    """The statements run in the block must end within the command time limit."""
    with time_limit(ctx.settings.command_timeout):
        yield


def time_limited(callback: _Callback) -> _Callback:
    """A command handler whose database statements must end within the command time limit."""

    @functools.wraps(callback)
    async def limited(update: Update, context: BotCallbackContext) -> None:
        with command_time_limit(context.ctx):
            await callback(update, context)

    return limited
