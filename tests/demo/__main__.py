"""`make demo`: the real bot, offline, in one minute.

Serves four fictional feeds (English, Russian, Armenian, Azerbaijani) on loopback, runs `borderwatch run`
against an in-process Bot API emulator, subscribes a demo user, publishes breaking items and prints the chat
as the user would read it. No network and no token are needed; nothing leaves this machine.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from bot.runtime import run
from storage.db import Database
from storage.models import Feed
from storage.settings import load_settings
from tests.botapi import BotApiEmulator
from tests.feedserver import FeedServer

FEEDS = Path(__file__).parent / "feeds"
USER = 1001
WIDTH = 88


def _history_only(document: str) -> str:
    """The feed as it was before the news broke: only its last (oldest) item."""
    items = re.findall(r"<item>.*?</item>\s*", document, re.S)
    for item in items[:-1]:
        document = document.replace(item, "")
    return document


def _channel_title(document: str) -> str:
    match = re.search(r"<title>(.*?)</title>", document)
    return match.group(1) if match else "demo"


def _say(who: str, text: str) -> None:
    lines = text.splitlines() or [""]
    prefix = f"{who:>4} │ "
    for n, line in enumerate(lines):
        wrapped = textwrap.wrap(line, WIDTH - len(prefix)) or [""]
        for m, part in enumerate(wrapped):
            print((prefix if n == 0 and m == 0 else " " * (len(prefix) - 2) + "│ ") + part)
    print()


async def _command(telegram: BotApiEmulator, text: str) -> None:
    before = len(telegram.sent(USER))
    _say("you", text)
    telegram.inject_command(USER, USER, text)
    for message in (await telegram.wait_for_messages(USER, before + 1, within=30))[before:]:
        _say("bot", message.text)


async def _wait_for_history(db: Database, feeds: int) -> None:
    for _ in range(600):
        async with db.transaction() as session:
            loaded = (await session.execute(select(Feed.history_loaded))).scalars().all()
        if len(loaded) == feeds and all(loaded):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the demo feeds were not fetched")


async def demo(workdir: Path) -> None:
    documents = {path.stem: path.read_text(encoding="utf-8") for path in sorted(FEEDS.glob("*.xml"))}
    server = FeedServer()
    server.start()
    try:
        urls = {name: server.add(f"/{name}.xml", _history_only(body)) for name, body in documents.items()}
        opml = workdir / "feeds.opml"
        outlines = "".join(
            f'<outline type="rss" text="{_channel_title(documents[n])}" xmlUrl="{u}"/>'
            for n, u in urls.items()
        )
        opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>')
        database_url = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
        async with BotApiEmulator() as telegram:
            telegram.add_user(USER, "Ani")
            settings = load_settings(
                telegram_token=telegram.token,
                telegram_api_url=telegram.base_url,
                database_url=database_url,
                feeds=opml,
                allow_private_urls=True,
                poll_interval=10,
            )
            stop = asyncio.Event()
            bot = asyncio.create_task(run(settings, "all", stop=stop))
            db = Database(database_url)
            try:
                print(
                    "borderwatch demo: four fictional feeds on loopback, the real bot, an emulated Telegram."
                )
                print()
                await _command(telegram, "/start")
                await _command(telegram, "/subscribe Sev Lake, Лачинский коридор, Syunik")
                await _wait_for_history(db, len(urls))
                print("── the feeds' existing items are stored as history; now the news breaks ──\n")
                for name, body in documents.items():
                    server.add(f"/{name}.xml", body)
                async with db.transaction() as session:
                    await session.execute(update(Feed).values(next_poll_at=datetime.now(UTC)))
                before = len(telegram.sent(USER))
                await telegram.wait_for_messages(USER, before + 1, within=60)
                await asyncio.sleep(4)  # let every source land (and story updates be applied)
                for message in telegram.sent(USER)[before:]:
                    _say("bot", message.text)
                await _command(telegram, "/status")
                await _command(telegram, "/search Sev Lake")
            finally:
                stop.set()
                await asyncio.wait_for(bot, 30)
                await db.dispose()
    finally:
        server.stop()


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="borderwatch-demo-") as workdir:
        asyncio.run(demo(Path(workdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
