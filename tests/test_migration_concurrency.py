"""Processes that start at once against a database that needs an upgrade (the bot and the ingest of one
deployment, replicas after a deploy) each run `borderwatch db upgrade` (or `run`'s migrations): every one
reaches head and goes on, each migration runs once, no stored row is lost, and on PostgreSQL a running ingest
keeps writing items while migration 0018 builds its index."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from storage.migrate import alembic_config
from tests.conftest import BACKENDS, POSTGRES_ONLY, POSTGRES_URL, _admin_execute

REPO = Path(__file__).resolve().parent.parent
HEAD = "0019"
UPGRADERS = 6
AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database nothing was ever stored in: a SQLite file not yet created, or an empty
    PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set BORDERWATCH_TEST_DATABASE_URL to run these cases")
    name = f"bw_fresh_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_upgrades(url: str, count: int) -> list[subprocess.Popen[str]]:
    """`count` processes of `borderwatch db upgrade` against `url`, all started at once."""
    environment = {"PATH": os.environ.get("PATH", ""), "BORDERWATCH_DATABASE_URL": url}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


def outcomes(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    """Each process's exit code with the last error it wrote to stderr ("" when none)."""
    results = []
    for process in processes:
        _, stderr = process.communicate(timeout=180)
        errors = [line for line in stderr.splitlines() if "Error" in line]
        results.append((process.returncode, (errors or [""])[-1][:300]))
    return results


async def scalars(url: str, query: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(query))).scalars())
    finally:
        await engine.dispose()


async def test_upgrades_started_at_once_on_a_fresh_database_all_reach_head(empty_database_url: str) -> None:
    processes = start_upgrades(empty_database_url, UPGRADERS)
    results = await asyncio.to_thread(outcomes, processes)
    assert results == [(0, "")] * UPGRADERS
    assert await scalars(empty_database_url, "SELECT version_num FROM alembic_version") == [HEAD]
    feeds = await scalars(empty_database_url, "SELECT COUNT(*) FROM feeds")
    assert feeds == [0]


INSERT_FEED = text(
    "INSERT INTO feeds (id, url, title, kind, enabled, history_loaded, interval_seconds, next_poll_at,"
    " consecutive_failures, failure_notified, created_at)"
    " VALUES (1, 'https://a.example/rss', 'A', 'feed', true, true, 60, :at, 0, false, :at)"
)
INSERT_ITEM = text(
    "INSERT INTO items (id, feed_id, identity_key, title, summary, link, published_at, fetched_at,"
    " content_hash, alertable) VALUES (:id, 1, :key, :title, '', :link, :at, :at, :key, true)"
)


def item(number: int) -> dict[str, object]:
    return {
        "id": number,
        "key": f"{number:064d}",
        "title": f"Item {number}",
        "link": f"https://a.example/{number}",
        "at": AT,
    }


async def _index_builds_waiting(url: str, watcher: AsyncConnection) -> int:
    """How many sessions on `url`'s database wait for a lock while building an index."""
    waiting = await watcher.scalar(
        text(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = :name AND wait_event_type = 'Lock'"
            " AND query ILIKE 'CREATE INDEX%'"
        ),
        {"name": make_url(url).database},
    )
    return int(waiting or 0)


@POSTGRES_ONLY
async def test_an_ingest_keeps_writing_items_while_upgraders_build_the_link_index(database_url: str) -> None:
    """A database at 0017 while an ingest writes items: one ingest transaction is still open when two
    upgraders start. Migration 0018's index waits for it, but another item written meanwhile is stored at
    once (not queued behind the index build); once the open transaction ends both upgraders finish, the
    index is built once and valid, and every item is kept."""
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0017")
    engine = create_async_engine(database_url)
    admin = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.begin() as setup:
            await setup.execute(INSERT_FEED, {"at": AT})
            await setup.execute(INSERT_ITEM, item(1))
        async with admin.connect() as watcher, engine.connect() as open_ingest:
            await open_ingest.execute(INSERT_ITEM, item(2))  # its transaction stays open
            processes = start_upgrades(database_url, 2)
            waited_since = time.monotonic()
            while await _index_builds_waiting(database_url, watcher) == 0:
                assert time.monotonic() - waited_since < 120, "no upgrader reached migration 0018"
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # the second upgrader has read the version meanwhile
            async with engine.connect() as other_ingest:
                await other_ingest.execute(text("SET LOCAL lock_timeout = '3s'"))
                await other_ingest.execute(INSERT_ITEM, item(3))
                await other_ingest.commit()
            await open_ingest.commit()
            results = await asyncio.to_thread(outcomes, processes)
    finally:
        await engine.dispose()
        await admin.dispose()
    assert results == [(0, ""), (0, "")]
    assert await scalars(database_url, "SELECT version_num FROM alembic_version") == [HEAD]
    assert await scalars(database_url, "SELECT id FROM items ORDER BY id") == [1, 2, 3]
    valid = await scalars(
        database_url,
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_items_link'::regclass",
    )
    assert valid == [True]


async def test_upgraders_that_wait_for_an_item_write_all_finish(database_url: str) -> None:
    """A database at 0017 whose items table is being written (a transaction holds the write): the
    upgraders started meanwhile wait, then all finish once it commits, 0018 applied once, every item kept."""
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0017")
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as setup:
            await setup.execute(INSERT_FEED, {"at": AT})
            await setup.execute(INSERT_ITEM, item(1))
        async with engine.connect() as writer:
            if writer.dialect.name == "sqlite":
                await writer.exec_driver_sql("BEGIN IMMEDIATE")
            await writer.execute(INSERT_ITEM, item(2))
            processes = start_upgrades(database_url, 3)
            await asyncio.sleep(8)  # each upgrader has started and read the version by now
            await writer.commit()
            results = await asyncio.to_thread(outcomes, processes)
    finally:
        await engine.dispose()
    assert results == [(0, "")] * 3
    assert await scalars(database_url, "SELECT version_num FROM alembic_version") == [HEAD]
    assert await scalars(database_url, "SELECT id FROM items ORDER BY id") == [1, 2]


@POSTGRES_ONLY
@pytest.mark.parametrize("left_behind", ["invalid", "built"])
async def test_the_next_upgrade_finishes_0018_after_one_died_during_or_after_the_index_build(
    database_url: str, left_behind: str
) -> None:
    """An upgrade killed while 0018 built its index CONCURRENTLY (outside a transaction) leaves the version at
    0017 with an invalid index named ix_items_link, or, killed just after the build, a valid one: the next
    upgrade reaches head either way, with one valid hash index and every item kept."""
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0017")
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(INSERT_FEED, {"at": AT})
            for number in (1, 2):
                await connection.execute(INSERT_ITEM, {**item(number), "title": "Same title"})
            if left_behind == "invalid":
                # a concurrent build that failed part way (here on a duplicate) leaves its index invalid
                with pytest.raises(Exception, match="could not create unique index"):
                    await connection.execute(
                        text("CREATE UNIQUE INDEX CONCURRENTLY ix_items_link ON items (title)")
                    )
            else:
                await connection.execute(text("CREATE INDEX ix_items_link ON items USING hash (link)"))
    finally:
        await engine.dispose()
    results = await asyncio.to_thread(outcomes, start_upgrades(database_url, 1))
    assert results == [(0, "")]
    assert await scalars(database_url, "SELECT version_num FROM alembic_version") == [HEAD]
    index = await scalars(
        database_url,
        "SELECT indisvalid::text || ' ' || pg_get_indexdef(indexrelid) FROM pg_index"
        " WHERE indexrelid = 'ix_items_link'::regclass",
    )
    assert index == ["true CREATE INDEX ix_items_link ON public.items USING hash (link)"]
    assert await scalars(database_url, "SELECT id FROM items ORDER BY id") == [1, 2]
