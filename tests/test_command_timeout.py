"""The time limit of the history commands (BORDERWATCH_COMMAND_TIMEOUT): a statement past it is stopped for
real (PostgreSQL's statement_timeout, SQLite's progress handler), the user gets one plain answer, and nothing
outside a command is limited."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.error_reply import TOO_LONG
from feeds.store import store_new_items
from storage.db import Database, StatementTimeout, time_limit
from storage.models import Feed, UTCDateTime
from tests.botapi.emulator import BotApiEmulator
from tests.conftest import POSTGRES_ONLY, SQLITE_ONLY
from tests.harness import START, new_item, running_user_bot

USER = 2002
# a statement that runs for minutes unless stopped
SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
    "SELECT count(*) FROM (SELECT i FROM n LIMIT 5000000000)",
    "postgresql": "SELECT pg_sleep(120)",
}
# a statement of a second or so: runs to its end outside a time limit
LONGISH = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT count(*) FROM (SELECT pg_sleep(0.4)) AS s",
}

pytestmark = pytest.mark.usefixtures("fast_private_chats")


async def test_a_statement_past_the_limit_is_stopped_and_the_next_transaction_is_free(db: Database) -> None:
    started = time.monotonic()
    with time_limit(0.3), pytest.raises(StatementTimeout):
        async with db.transaction() as session:
            await session.execute(text(SLOW[db.dialect]))
    assert time.monotonic() - started < 5
    # the same pooled connection, outside any command: no limit left on it
    async with db.transaction() as session:
        started = time.monotonic()
        assert await session.scalar(text(LONGISH[db.dialect])) in (1, 3000000)
        took = time.monotonic() - started
    assert took > 0.3
    with time_limit(5):
        async with db.transaction() as session:
            assert await session.scalar(text("SELECT 1")) == 1


async def test_the_limit_covers_every_transaction_of_the_command(db: Database) -> None:
    with time_limit(0.2):
        async with db.transaction() as session:
            await session.scalar(text("SELECT 1"))
        await asyncio.sleep(0.25)  # the command's time is spent elsewhere
        with pytest.raises(StatementTimeout):
            async with db.transaction() as session:
                await session.scalar(text("SELECT 1"))


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(enforce_limits=False) as emulator:
        emulator.add_user(USER, "Uma")
        yield emulator


async def _many_reports(db: Database, count: int) -> None:
    """`count` items tagged sev_lake in the last days, written in one statement each (no ingest: fast)."""
    async with db.transaction() as session:
        feed = Feed(url="https://many.example/rss", title="Many")
        session.add(feed)
        await session.flush()
        at = bindparam("at", START - timedelta(days=1), type_=UTCDateTime())
        await session.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
                "INSERT INTO items (feed_id, identity_key, title, summary, published_at, fetched_at, "
                "content_hash, alertable) SELECT :feed, 'k' || i, 'Border report ' || i, '', :at, :at, "
                "'h' || i, false FROM n"
            ).bindparams(at),
            {"count": count, "feed": feed.id},
        )
        await session.execute(
            text(
                "INSERT INTO item_entities (item_id, entity_id, spans) SELECT id, 'sev_lake', '[]' FROM items"
            )
        )


@SQLITE_ONLY
async def test_a_command_past_the_limit_answers_plainly_sqlite(
    db: Database, telegram: BotApiEmulator
) -> None:
    await _many_reports(db, 60_000)
    async with running_user_bot(db, telegram, command_timeout=0.01) as bot:
        started = time.monotonic()
        assert await bot.say(USER, "/chart Sev Lake 90") == TOO_LONG
        assert time.monotonic() - started < 5
    async with running_user_bot(db, telegram) as bot:
        message = await bot.send(USER, "/chart Sev Lake 90")
        assert message.kind == "photo" and message.text.startswith("Sev Lake: 60000 stories in 90 days")


@POSTGRES_ONLY
async def test_a_command_past_the_limit_answers_plainly_postgres(
    db: Database, telegram: BotApiEmulator
) -> None:
    feed_id = await _feed(db)
    await store_new_items(db, feed_id, [new_item("Border report", published=START)], alert=False, now=START)
    # another session holds the items table: /search waits for it, for real, until its time is up
    locker = create_async_engine(db.url)
    try:
        async with locker.connect() as connection, connection.begin():
            await connection.execute(text("LOCK TABLE items IN ACCESS EXCLUSIVE MODE"))
            async with running_user_bot(db, telegram, command_timeout=0.5) as bot:
                started = time.monotonic()
                assert await bot.say(USER, "/search border") == TOO_LONG
                assert time.monotonic() - started < 5
        async with running_user_bot(db, telegram, command_timeout=0.5) as bot:
            assert "Border report" in await bot.say(USER, "/search border")
    finally:
        await locker.dispose()


async def _feed(db: Database) -> int:
    async with db.transaction() as session:
        feed = Feed(url="https://one.example/rss", title="One")
        session.add(feed)
        await session.flush()
        return feed.id


@SQLITE_ONLY  # the language of the answer does not depend on the backend
async def test_the_answer_is_in_the_chats_language(db: Database, telegram: BotApiEmulator) -> None:
    await _many_reports(db, 60_000)
    async with running_user_bot(db, telegram, command_timeout=0.01) as bot:
        assert (await bot.say(USER, "/lang ru")).startswith("Теперь ответы в этом чате на языке")
        assert (await bot.say(USER, "/chart Sev Lake 90")).startswith("Это заняло слишком много времени")


@SQLITE_ONLY  # PostgreSQL's statement_timeout covers lock waits (the test above)
async def test_waiting_for_a_sqlite_lock_ends_with_the_limit(db: Database) -> None:
    path = make_url(db.url).database
    assert path is not None
    writer = sqlite3.connect(path)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process writing, for a long time
        started = time.monotonic()
        with time_limit(0.3), pytest.raises(StatementTimeout):
            async with db.transaction() as session:
                session.add(Feed(url="https://wait.example/rss"))
        assert time.monotonic() - started < 5
    finally:
        writer.rollback()
        writer.close()
