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
