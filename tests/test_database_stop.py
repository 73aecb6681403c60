"""A stopping process gives PostgreSQL a few seconds in all (`Database.close_by`), not ANSWER_SECONDS for each
transaction, under way or later, while the server does not answer (tests/reliability/test_network_partition.py
runs the whole process through a partition)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from storage.db import Database, DatabaseNotAnswering
from tests.conftest import POSTGRES_ONLY

SERVER_SECONDS = 10  # a server that takes its time to answer the transaction under way


@POSTGRES_ONLY
async def test_transactions_under_way_and_later_end_by_close_by(database_url: str) -> None:
    db = Database(database_url)
    try:

        async def slow() -> None:
            async with db.transaction() as session:
                await session.execute(text(f"SELECT pg_sleep({SERVER_SECONDS})"))

        under_way = asyncio.create_task(slow())
        await asyncio.sleep(0.3)
        asked = time.monotonic()
        db.close_by(asked + 0.5)
        with pytest.raises(DatabaseNotAnswering):
            await under_way
        ended = time.monotonic() - asked
        with pytest.raises(DatabaseNotAnswering):
            async with db.transaction() as session:
                await session.execute(text("SELECT 1"))
        refused = time.monotonic() - asked
    finally:
        await db.dispose()
    # cut off long before the server answered, not timed to close_by: the machine may be busy
    assert ended < SERVER_SECONDS / 2, ended
    assert refused < SERVER_SECONDS / 2, refused


@POSTGRES_ONLY
async def test_past_close_by_a_database_that_answers_still_takes_the_writes(database_url: str) -> None:
    """close_by's time counts from SIGTERM: when the steps before a write (sends awaiting Telegram's answers)
    took all of it, a server that answers still takes the write (the marks of alerts sent, else sent again
    after the restart), and one that does not is not waited for past a second."""
    db = Database(database_url)
    try:
        db.close_by(time.monotonic() - 1)  # stopping began a while ago
        async with db.transaction() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
        started = time.monotonic()
        with pytest.raises(DatabaseNotAnswering):
            async with db.transaction() as session:
                await session.execute(text(f"SELECT pg_sleep({SERVER_SECONDS})"))
        with pytest.raises(DatabaseNotAnswering):  # found not answering: no more waiting for it
            async with db.transaction() as session:
                await session.execute(text("SELECT 1"))
        given_up = time.monotonic() - started
    finally:
        await db.dispose()
    assert given_up < SERVER_SECONDS / 2, given_up
