"""The shared test harness: the real Application polling the Bot API emulator, people typing in chats, fast
private chats, and factories for stored rows. Every test that talks to the bot goes through these.

- `running_bot(db, telegram, **settings)`: build_application on `db` with a hand-moved clock, polling the
  emulator; yields a `Chat` to type commands and read the answers.
- the `fast_private_chats` fixture (tests/conftest.py): Telegram's 1 message/s per private chat would make
  every multi-command test take seconds; the limiter itself is tested with the delivery loop.
- `feed_pipeline(db, clock, *users)`: feeds to chats end to end (the ingest service polling the loopback
  feed server, the delivery loop sending through the real Application to the emulator), driven by hand.
- `new_item`, `subscribe`: rows as the pipeline stores them.
- `statements_sent(db, *words)`: the SQL statements (and parameters) sent while it is open, for query plans.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import random
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.app import ALLOWED_UPDATES, build_application
from bot.context import BotApplication, BotContext
from bot.deliver import DeliveryLoop
from bot.ratelimit import ChatRateLimiter
from feeds.gazetteer import load_gazetteer
from feeds.model import Classification, EntityMatch, FeedEntry, NewItem
from feeds.opml import write_opml
from feeds.service import IngestService
from storage.audit import AuditRecord, count_audit, latest_audit
from storage.db import Database
from storage.models import Chat as ChatRow
from storage.models import Subscription
from storage.settings import Settings, load_settings
from tests.botapi.emulator import BotApiEmulator, SentMessage
from tests.clock import Clock

ADMIN = 1001  # a bot admin from the start (BORDERWATCH_ADMINS) in every running bot
STRANGER = 2002  # someone who is no bot admin
START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
# the chat-aware rate limiter without Telegram's per-chat pace (see the module docstring)
FAST_LIMITER = functools.partial(ChatRateLimiter, private_per_period=1000, group_per_minute=1000)


def empty_feed_list(directory: Path) -> Path:
    """An OPML file without outlines in `directory`: BORDERWATCH_FEEDS seeding nothing (a file that does
    not exist is an error)."""
    path = directory / "no-feeds.opml"
    path.write_text(write_opml([]), encoding="utf-8")
    return path


def bot_settings(telegram: BotApiEmulator, database_url: str, **overrides: Any) -> Settings:
    """Settings of a bot talking to `telegram` on `database_url`, ADMIN an admin; `overrides` win."""
    values: dict[str, Any] = {
        "telegram_token": telegram.token,
        "telegram_api_url": telegram.base_url,
        "database_url": database_url,
        "admins": str(ADMIN),
        "allow_private_urls": False,
        "feed_failure_notice_after": 3600,
        "fetch_timeout": 5.0,
        "connect_timeout": 2.0,
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class Chat:
    """The bot running against the emulator, and a way to type commands as a person and read the answers."""

    telegram: BotApiEmulator
    ctx: BotContext
    application: BotApplication
    clock: Clock

    async def send(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        replies: int = 1,
        document: tuple[str, bytes] | None = None,
    ) -> list[SentMessage]:
        """`user_id` types `text` (in their private chat unless `chat_id`; in a channel it is a post), or
        sends `document` with `text` as its caption; returns the bot's next `replies` messages there."""
        chat = chat_id if chat_id is not None else user_id
        before = len(self.telegram.sent(chat))
        if document is not None:
            self.telegram.inject_message(chat, user_id, document=document, caption=text)
        elif self.telegram.chats.get(chat, {}).get("type") == "channel":
            self.telegram.inject_message(chat, user_id, text)
        else:
            assert text is not None
            self.telegram.inject_command(chat, user_id, text, thread_id=thread_id)
        messages = await self.telegram.wait_for_messages(chat, before + replies)
        return messages[before:]

    async def say(
        self, user_id: int, text: str, *, chat_id: int | None = None, replies: int = 1
    ) -> list[str]:
        """The texts of the answers to `text`."""
        messages = await self.send(user_id, text, chat_id=chat_id, replies=replies)
        return [message.text for message in messages]

    async def answer(self, user_id: int, text: str, **where: Any) -> SentMessage:
        """The bot's one answer to `text` (exactly one message comes back)."""
        chat = where.get("chat_id") or user_id
        before = len(self.telegram.sent(chat))
        (message,) = await self.send(user_id, text, **where)
        assert len(self.telegram.sent(chat)) == before + 1, "one command, one answer"
        return message

    async def press(self, user_id: int, chat_id: int, data: str, message_id: int) -> dict[str, Any]:
        """`user_id` presses the button with callback `data` on message `message_id`; returns the answer."""
        answers = len(self.telegram.callback_answers)
        self.telegram.inject_callback_query(chat_id, user_id, data, message_id=message_id)
        await self.telegram.wait_until(lambda: len(self.telegram.callback_answers) > answers)
        return self.telegram.callback_answers[answers]

    async def audit(self, count: int) -> list[AuditRecord]:
        """The latest `count` audit entries, once that many were written (a handler writes its entry after
        its reply, so the reply can arrive first)."""
        for _attempt in range(500):
            if await count_audit(self.ctx.db) >= count:
                return await latest_audit(self.ctx.db, count)
            await asyncio.sleep(0.01)
        raise AssertionError(f"fewer than {count} audit entries")


@contextlib.asynccontextmanager
async def initialized_bot(
    db: Database, telegram: BotApiEmulator, clock: Callable[[], datetime], **overrides: Any
) -> AsyncIterator[tuple[BotContext, BotApplication]]:
    """The real Application (build_application) with the live gazetteer, initialised but not polling, for
    tests that deliver alerts or digests by hand with their own `clock`; `overrides` are settings."""
    settings = load_settings(
        telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=db.url, **overrides
    )
    ctx = BotContext(db=db, settings=settings, clock=clock)
    ctx.gazetteer = await load_gazetteer(db, settings)
    application = build_application(ctx)
    await application.initialize()
    try:
        yield ctx, application
    finally:
        await application.shutdown()


@dataclass
class Pipeline:
    """Feeds to chats: the ingest service polling with the live gazetteer's classifier, and the real
    Application (initialized_bot) sending through the Bot API emulator; the test moves `clock`."""

    telegram: BotApiEmulator
    ctx: BotContext
    application: BotApplication
    ingest: IngestService
    clock: Clock

    async def deliver(self) -> int:
        """The delivery loop's run until nothing is due (DeliveryLoop.run_until_idle)."""
        return await DeliveryLoop(self.ctx, self.application.bot, clock=self.clock).run_until_idle()


@contextlib.asynccontextmanager
async def feed_pipeline(db: Database, clock: Clock, *users: int) -> AsyncIterator[Pipeline]:
    """A Pipeline on `db` polling feeds on the loopback feed server, `users` known to the emulator (which
    does not enforce Telegram's limits: what is asserted is what is sent, not its pace)."""
    async with BotApiEmulator(enforce_limits=False) as telegram:
        for user in users:
            telegram.add_user(user)
        async with (
            initialized_bot(db, telegram, clock, allow_private_urls=True) as (ctx, application),
            IngestService(
                db, ctx.settings, ctx.gazetteer.classifier.classify, clock=clock, rng=random.Random(0)
            ) as ingest,
        ):
            yield Pipeline(telegram, ctx, application, ingest, clock)


@contextlib.asynccontextmanager
async def running_bot(db: Database, telegram: BotApiEmulator, **overrides: Any) -> AsyncIterator[Chat]:
    """The real Application (build_application) polling the emulator, on `db`, with a hand-moved clock that
    starts at START; `overrides` are settings."""
    clock = Clock(START)
    ctx = BotContext(db=db, settings=bot_settings(telegram, db.url, **overrides), clock=clock)
    ctx.gazetteer = await load_gazetteer(db, ctx.settings)
    application = build_application(ctx)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, allowed_updates=ALLOWED_UPDATES)
    try:
        yield Chat(telegram, ctx, application, clock)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


@dataclass
class Bot:
    """A running bot where each command gets exactly one answer: say() is its text, send() the message."""

    chat: Chat

    @property
    def telegram(self) -> BotApiEmulator:
        return self.chat.telegram

    @property
    def ctx(self) -> BotContext:
        return self.chat.ctx

    @property
    def clock(self) -> Clock:
        return self.chat.clock

    async def send(
        self, user_id: int, text: str, *, chat_id: int | None = None, thread_id: int | None = None
    ) -> SentMessage:
        """`user_id` types `text` (in their private chat unless `chat_id`); returns the bot's one answer."""
        return await self.chat.answer(user_id, text, chat_id=chat_id, thread_id=thread_id)

    async def say(self, user_id: int, text: str, **where: Any) -> str:
        """The plain text of the answer to `text`."""
        return (await self.send(user_id, text, **where)).text

    async def press(self, user_id: int, chat_id: int, data: str, message_id: int) -> dict[str, Any]:
        """`user_id` presses the button with callback `data` on message `message_id`; returns the answer."""
        return await self.chat.press(user_id, chat_id, data, message_id)


@contextlib.asynccontextmanager
async def running_user_bot(db: Database, telegram: BotApiEmulator, **overrides: Any) -> AsyncIterator[Bot]:
    """running_bot, answering one message per command (Bot)."""
    async with running_bot(db, telegram, **overrides) as chat:
        yield Bot(chat)


def new_item(
    title: str,
    *entities: str,
    severity: str | None = None,
    published: datetime = START,
    key: str | None = None,
    summary: str = "",
    link: str | None = None,
    language: str | None = "en",
    content_hash: str | None = None,
    spans: tuple[tuple[int, int, str], ...] = (),
) -> NewItem:
    """An item as the poller hands it to feeds.store: tagged with `entities` (each with `spans`) and
    `severity`; its identity key is `key` padded to 64 characters (else a hash of title and time), its
    content hash `content_hash` (else a hash of its text)."""
    identity = key.rjust(64, "0") if key else hashlib.sha256(f"{title}|{published}".encode()).hexdigest()
    return NewItem(
        entry=FeedEntry(key or identity, link, title, summary, language, published),
        identity_key=identity,
        content_hash=content_hash or hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest(),
        published=published,
        classification=Classification(tuple(EntityMatch(e, spans) for e in entities), severity),
    )


@contextlib.contextmanager
def statements_sent(db: Database, *words: str) -> Iterator[list[tuple[str, Any]]]:
    """(statement, parameters) of every statement sent on `db` while open that contains each of `words`."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if all(word in statement for word in words):
            sent.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def subscribe(db: Database, chat_id: int, *entities: str, chat_type: str = "private") -> None:
    """Chat `chat_id` (created if needed) follows `entities` (storage.models.ALL_ENTITIES: everything)."""
    async with db.transaction() as session:
        if await session.get(ChatRow, chat_id) is None:
            session.add(ChatRow(id=chat_id, type=chat_type, title=f"chat {chat_id}"))
            await session.flush()
        session.add_all([Subscription(chat_id=chat_id, entity_id=entity) for entity in entities])


def hold_sqlite_write_lock(
    path: str | Path, taken: threading.Event, seconds: float, released: threading.Event | None = None
) -> None:
    """Another process's write transaction on the SQLite file: every write waits, then fails. Held for
    `seconds`, or until `released` is set (`seconds` then only bounds a test that never sets it)."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        taken.set()
        if released is None:
            time.sleep(seconds)
        else:
            released.wait(seconds)
        connection.execute("COMMIT")
    finally:
        connection.close()
