"""`borderwatch run`: the whole process starts, answers through the emulator, and stops cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.runtime import CONSOLE_NOTICE, run
from feeds.opml import write_opml
from storage.db import Database
from storage.models import Chat, Feed, Instance
from storage.settings import load_settings
from tests.botapi import BotApiEmulator
from tests.harness import empty_feed_list


async def test_run_all_registers_the_menu_answers_start_and_stops_on_request(
    tmp_path: Path, database_url: str
) -> None:
    async with BotApiEmulator() as telegram:
        settings = load_settings(
            telegram_token=telegram.token,
            telegram_api_url=telegram.base_url,
            database_url=database_url,
            feeds=empty_feed_list(tmp_path),  # nothing to poll: no network in tests
        )
        stop = asyncio.Event()
        task = asyncio.create_task(run(settings, "all", stop=stop))
        await telegram.wait_until(lambda: bool(telegram.commands_for()), within=30)
        assert "subscribe" in {c["command"] for c in telegram.commands_for()}
        telegram.inject_command(5, 5, "/start")
        (reply,) = await telegram.wait_for_messages(5, 1, within=30)
        assert reply.text
        stop.set()
        assert await asyncio.wait_for(task, 30) == 0
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            assert await session.scalar(select(Chat.id).where(Chat.id == 5)) == 5
    finally:
        await db.dispose()


async def test_without_a_token_the_bot_side_says_it_runs_in_console_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}"
    settings = load_settings(database_url=database_url, feeds=empty_feed_list(tmp_path))
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, "bot", stop=stop))
    for _ in range(200):
        if CONSOLE_NOTICE in capsys.readouterr().out:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("no console-mode notice on start")
    stop.set()
    assert await asyncio.wait_for(task, 30) == 0


async def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        await run(load_settings(), "everything")


async def test_run_with_an_empty_opml_feed_list_starts_with_no_feeds(tmp_path: Path) -> None:
    """BORDERWATCH_FEEDS pointing at an OPML file without outlines (what `feeds export` writes for no feeds)
    is an empty feed list: `run` starts and stops cleanly instead of exiting with an error."""
    empty = tmp_path / "empty.opml"
    empty.write_text(write_opml([]))
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}"
    settings = load_settings(database_url=database_url, feeds=empty)
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, "ingest", stop=stop))
    db = Database(database_url)
    try:
        for _ in range(600):  # until the process has registered itself: it is running
            assert not task.done(), task.result()
            with contextlib.suppress(OperationalError):  # not migrated yet
                async with db.transaction() as session:
                    if await session.scalar(select(Instance.id).limit(1)) is not None:
                        break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("run never came up")
        async with db.transaction() as session:
            assert await session.scalar(select(Feed.id).limit(1)) is None
    finally:
        await db.dispose()
    stop.set()
    assert await asyncio.wait_for(task, 30) == 0
