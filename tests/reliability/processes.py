"""Run real `borderwatch` processes for the reliability tests: environment, start, kill -9, stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import IO

from sqlalchemy import insert, select

from feeds.opml import write_opml
from storage.db import Database
from storage.models import ALL_ENTITIES, Chat, Delivery, Feed, Item, ItemEntity, Story, Subscription

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


async def start(
    args: list[str], env: dict[str, str], cwd: Path, *, output: IO[bytes] | None = None
) -> asyncio.subprocess.Process:
    """`borderwatch <args>` as a child process (python -m bot.cli, the console script's entry point); its
    stdout and stderr go to `output` (a file: a pipe nobody reads would stall a chatty process)."""
    sink: IO[bytes] | int = output if output is not None else asyncio.subprocess.DEVNULL
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=env, cwd=cwd, stdout=sink, stderr=sink
    )


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
