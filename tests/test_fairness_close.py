"""bot/fairness.py: an update still waiting for a shared handling slot when the bot stops is dropped, as the
updates waiting in their chats' queues are, so stopping stays prompt under a backlog."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Chat, Message, Update

from bot.fairness import FairUpdateProcessor


def _message(update_id: int, chat_id: int, text: str) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, dt.datetime.now(dt.UTC), chat, text=text))


async def test_updates_waiting_for_a_slot_at_close_are_never_handled() -> None:
    processor = FairUpdateProcessor(1, grace=0.2)
    await processor.initialize()
    handled: list[int] = []
    release = asyncio.Event()

    async def slow_command() -> None:
        await release.wait()

    async def handler(chat_id: int) -> None:
        handled.append(chat_id)

    first = asyncio.create_task(processor.do_process_update(_message(1, 100, "/status"), slow_command()))
    await asyncio.sleep(0.05)  # the command holds the only slot
    others = [
        asyncio.create_task(processor.do_process_update(_message(1 + n, 100 + n, "hello"), handler(100 + n)))
        for n in range(1, 6)
    ]
    await asyncio.sleep(0.05)  # each other chat's message waits for the slot
    await processor.close()
    release.set()
    await asyncio.wait_for(asyncio.gather(first, *others, return_exceptions=True), 5)
    assert handled == []
