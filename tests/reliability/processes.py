"""Run real `borderwatch` processes for the reliability tests: environment, start, kill -9, stop; and what the
tests around them share: a chat subscribed to a few feeds, the items they publish, waiting for those to be
alerted, /healthz, and what a process logged."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import IO

from sqlalchemy import insert, select

from feeds.opml import OpmlFeed, write_opml
from storage.db import Database
from storage.migrate import upgrade
from storage.models import ALL_ENTITIES, Chat, Delivery, Feed, Item, ItemEntity, Story, Subscription
from tests.botapi.emulator import BotApiEmulator
from tests.feedserver import FeedServer, rss

ROOT = Path(__file__).resolve().parents[2]
# shaped like a real token (bot id, colon, 35 characters) so the log filter's shape rule would also apply
REALISTIC_TOKEN = "7451238890:AAGx3k_Ov9Qm2Lr8Tz1Wc5Yb7Nd0Hf4Jp6Se"


def borderwatch_env(database_url: str, workdir: Path, **settings: object) -> dict[str, str]:
    """The environment of a borderwatch process: this database, no seed feeds, the shipped gazetteer, and
    `settings` as BORDERWATCH_<NAME> variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERWATCH_")}
    env.update(
        {
            "BORDERWATCH_DATABASE_URL": database_url,
            "BORDERWATCH_FEEDS": str(workdir / "no-feeds.opml"),
            "BORDERWATCH_ENTITIES": str(ROOT / "config" / "entities.yaml"),
            "BORDERWATCH_CONFIG": str(workdir / "borderwatch.toml"),
            "BORDERWATCH_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    (workdir / "borderwatch.toml").touch()
    (workdir / "no-feeds.opml").write_text(write_opml([]))  # an empty feed list: nothing seeded
    env.update({f"BORDERWATCH_{name.upper()}": str(value) for name, value in settings.items()})
    return env


@contextlib.asynccontextmanager
async def bot_api(chats: Iterable[int]) -> AsyncIterator[BotApiEmulator]:
    """The Bot API emulator (REALISTIC_TOKEN, no rate limits of Telegram) with a user in each of `chats`."""
    async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
        for chat in chats:
            telegram.add_user(chat)
        yield telegram


def bot_env(database_url: str, workdir: Path, telegram: BotApiEmulator, **settings: object) -> dict[str, str]:
    """`borderwatch_env` of a process that talks to the Bot API emulator `telegram`."""
    return borderwatch_env(
        database_url,
        workdir,
        telegram_token=REALISTIC_TOKEN,
        telegram_api_url=telegram.base_url,
        **settings,
    )


async def start(
    args: list[str], env: dict[str, str], cwd: Path, *, output: IO[bytes] | None = None
) -> asyncio.subprocess.Process:
    """`borderwatch <args>` as a child process (python -m bot.cli, the console script's entry point); its
    stdout and stderr go to `output` (a file: a pipe nobody reads would stall a chatty process)."""
    sink: IO[bytes] | int = output if output is not None else asyncio.subprocess.DEVNULL
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=env, cwd=cwd, stdout=sink, stderr=sink
    )


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, commands: Sequence[tuple[list[str], dict[str, str], Path]]
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """A process for each (args, env, log) of `commands`, its output written to that log file; on the way
    out, those still running are killed (a test that failed midway leaves none behind)."""
    with contextlib.ExitStack() as files:
        processes = []
        try:
            for args, env, log in commands:
                output = files.enter_context(log.open("wb"))
                processes.append(await start(args, env, tmp_path, output=output))
            yield processes
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()


async def kill9(process: asyncio.subprocess.Process) -> None:
    """SIGKILL: no cleanup, no lease given back, exactly like a power cut of that process."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGKILL)
    await process.wait()


async def terminate(process: asyncio.subprocess.Process, within: float = 30) -> int:
    """SIGTERM and wait for a clean exit; returns the exit code."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), within)
    except TimeoutError:
        await kill9(process)
        raise


def recent_rss(title: str, items: list[tuple[str, str]], now: datetime) -> str:
    """An RSS document of (guid, title) items published just before `now`, so they can alert."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{title}</title>']
    for n, (guid, item_title) in enumerate(items):
        date = format_datetime(now - timedelta(minutes=n + 1))
        parts.append(
            f"<item><guid>{guid}</guid><title>{item_title}</title><link>http://example.com/{guid}</link>"
            f"<description>{item_title}</description><pubDate>{date}</pubDate></item>"
        )
    return "".join(parts) + "</channel></rss>\n"


async def seed_fan_out(
    db: Database, chat_ids: list[int], *, stories: int = 1, now: datetime | None = None, batch: str = "a"
) -> list[int]:
    """`stories` stored stories about Sev Lake, each with a pending alert for every one of `chat_ids` (each
    chat subscribed to everything); returns the story ids."""
    now = now or datetime.now(UTC)
    story_ids = []
    async with db.transaction() as session:
        await session.execute(insert(Chat), [{"id": c, "type": "private", "active": True} for c in chat_ids])
        await session.execute(
            insert(Subscription), [{"chat_id": c, "entity_id": ALL_ENTITIES} for c in chat_ids]
        )
        feed = await session.scalar(select(Feed).where(Feed.url == "https://agency.example/rss"))
        if feed is None:
            feed = Feed(
                url="https://agency.example/rss", title="Border Agency", next_poll_at=now, created_at=now
            )
            session.add(feed)
            await session.flush()
        for n in range(stories):
            title = f"Shelling near Sev Lake, report {batch}{n}"
            story = Story(title=title, severity="P2", created_at=now, updated_at=now)
            session.add(story)
            await session.flush()
            item = Item(
                feed_id=feed.id,
                story_id=story.id,
                identity_key=f"seeded-{batch}{n}",
                link=f"https://agency.example/{n}",
                title=title,
                summary="Shots were fired near Sev Lake <overnight> & at dawn.",
                published_at=now,
                fetched_at=now,
                content_hash=f"seeded-{batch}{n}",
                severity="P2",
            )
            session.add(item)
            await session.flush()
            session.add(ItemEntity(item_id=item.id, entity_id="sev_lake", spans=[[14, 22, "Sev Lake"]]))
            await session.execute(
                insert(Delivery),
                [
                    {
                        "chat_id": c,
                        "story_id": story.id,
                        "item_id": item.id,
                        "severity": "P2",
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for c in chat_ids
                ],
            )
            story_ids.append(story.id)
    return story_ids


# the chat and feeds of the tests where the database or the network goes away under a running borderwatch
FEEDS = 4
CHAT = 7
POLL_INTERVAL = 10
# one story each (nothing in common that would merge them), each naming a tracked place
BREAKING = [
    "Azerbaijani troops shelled Armenian positions near Sev Lake overnight, two soldiers wounded",
    "Foreign ministers of Armenia and Azerbaijan to meet in Washington on the peace treaty text",
    "New road between Goris and Kapan opened to traffic, Syunik governor says",
    "Villagers in Tavush report drones flying over the border at night",
]


def _quiet(n: int) -> tuple[str, str, str, str]:
    return (f"q{n}", f"Weather report number {n} for the region", f"http://example.com/q{n}", "weather")


def _breaking(feed: int) -> tuple[str, str, str, str]:
    return (f"b{feed}", BREAKING[feed], f"http://example.com/b{feed}", BREAKING[feed])


async def subscribed_chat_and_feeds(url: str, server: FeedServer, tmp_path: Path) -> tuple[list[str], Path]:
    """The migrated database at `url` with CHAT subscribed to everything, and FEEDS quiet feeds on `server`:
    their paths, and the OPML file that seeds them."""
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as session:
        await session.execute(insert(Chat), [{"id": CHAT, "type": "private", "active": True}])
        await session.execute(insert(Subscription), [{"chat_id": CHAT, "entity_id": ALL_ENTITIES}])
    await db.dispose()
    paths = [f"/feed{n}.xml" for n in range(FEEDS)]
    for path in paths:
        server.add(path, rss(f"Wire {path}", [_quiet(1)]))
    seed = tmp_path / "feeds.opml"
    seed.write_text(write_opml([OpmlFeed(server.url(p), f"Wire {p}", "en") for p in paths]))
    return paths, seed


def publish_breaking(server: FeedServer, paths: list[str]) -> list[str]:
    """A breaking item published now on each feed (over its quiet one): their titles, in feed order."""
    now = int(datetime.now(UTC).timestamp())
    published = []
    for n, path in enumerate(paths):
        item = _breaking(n)
        published.append(item[1])
        server.add(path, rss(f"Wire {path}", [item, _quiet(1)], dates=[now, now - 3600]))
    return published


def run_env(
    url: str, tmp_path: Path, seed: Path, telegram: BotApiEmulator, **extra: object
) -> dict[str, str]:
    """The environment of a `borderwatch run` polling the seeded feeds and alerting through `telegram`."""
    return bot_env(
        url,
        tmp_path,
        telegram,
        feeds=seed,
        allow_private_urls="true",
        poll_interval=POLL_INTERVAL,
        crisis_duration=0,
        log_level="INFO",
        **extra,
    )


async def until_alerted(telegram: BotApiEmulator, published: list[str], within: float) -> None:
    """Wait until CHAT has had an alert of each of the `published` titles, or `within` seconds have passed
    (what arrived is then for the test to judge)."""

    def alerted() -> bool:
        texts = "\n".join(telegram.texts(CHAT))
        return all(title in texts for title in published)

    with contextlib.suppress(TimeoutError):
        await telegram.wait_until(alerted, within=within)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health(port: int) -> int:
    """The status of /healthz on `port` (0 where nothing answers)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def health_reason(port: int) -> str:
    """What /healthz on `port` says (its body), whatever its status."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            return str(answer.read().decode())
    except urllib.error.HTTPError as error:
        return str(error.read().decode())


def logged_since(log: Path, offset: int) -> str:
    """What a process wrote to `log` past its first `offset` bytes."""
    return log.read_bytes()[offset:].decode(errors="replace")


def tracebacks(logged: str) -> int:
    return logged.count("Traceback (most recent call last)")
