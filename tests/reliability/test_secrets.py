"""The bot token never reaches the log: every line a full `borderwatch run` writes at DEBUG, with the HTTP
libraries talking to the Bot API emulator (their request lines carry the token in the URL), is searched."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.botapi.emulator import BotApiEmulator
from tests.feedserver import FeedServer, rss
from tests.reliability.conftest import record
from tests.reliability.processes import REALISTIC_TOKEN, borderwatch_env, start, terminate

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_whole_run_at_debug_never_logs_the_token(
    database_url: str, tmp_path: Path, log_format: str
) -> None:
    with FeedServer() as server:
        feed = server.add("/news.xml", rss("News", [("g1", "Shelling near Sev Lake", "http://e.com/1", "x")]))
        opml = tmp_path / "feeds.opml"
        opml.write_text(f'<opml version="2.0"><body><outline xmlUrl="{feed}" title="News"/></body></opml>')
        async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
            env = borderwatch_env(
                database_url,
                tmp_path,
                telegram_token=REALISTIC_TOKEN,
                telegram_api_url=telegram.base_url,
                log_level="DEBUG",
                log_format=log_format,
                allow_private_urls="true",
                feeds=opml,
            )
            log_file = (tmp_path / "run.log").open("wb")
            process = await start(["run"], env, tmp_path, output=log_file)
            await telegram.wait_until(lambda: bool(telegram.commands_for()), within=30)
            telegram.inject_command(5, 5, "/start")
            telegram.inject_command(5, 5, "/subscribe all")
            await telegram.wait_for_messages(5, 2, within=30)
            telegram.block_chat(6)
            telegram.inject_command(6, 6, "/help")  # the reply fails with 403: error paths log too
            await telegram.wait_until(lambda: len(server.requests("/news.xml")) >= 1, within=30)
            await asyncio.sleep(1.0)
            assert await terminate(process) == 0
            log_file.close()
    log = (tmp_path / "run.log").read_text("utf-8", "replace")
    assert "getUpdates" in log and "sendMessage" in log, "the HTTP libraries' request lines were logged"
    secret = REALISTIC_TOKEN.split(":", 1)[1]
    assert REALISTIC_TOKEN not in log and secret not in log
    record(
        f"secrets ({log_format}, {database_url.split(':')[0]})",
        f"{len(log.splitlines())} log lines of a full run at DEBUG: token found 0 times",
    )
