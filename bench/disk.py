"""Disk: bytes per stored item, per alert and per poll, and the disk a year of operation takes, with the
default retention (storage/prune.py) against keeping everything (the code before issue 19: the baseline).

A realistic fill, written with bulk inserts in the order the process writes it (ids grow with time), over
`--days` days ending now, on a SQLite file and (when BORDERWATCH_TEST_DATABASE_URL or BENCH_DATABASE_URL
names a PostgreSQL server) on a fresh PostgreSQL database:
- FEEDS feeds polled every 60 s (one fetch_log row per poll; most answer 304);
- ITEMS_PER_DAY items a day (about a million in two years), in four languages (headlines and leads of
  tests/data/labelled_headlines.yaml), 15% tagged with one or two entities; stories of 1-5 items (half of
  them of one);
- CHATS chats; each tagged story alerts 16% of them (about 12 million alerts in two years, the issue's
  figure), and each further item of the story is an edit of each of its alerts.
`--scale` multiplies items, chats and polls per day (default 0.1, so the fill takes a few minutes;
`--scale 1` is the full size). Sizes are measured after VACUUM FULL (SQLite: VACUUM, the file; PostgreSQL:
pg_total_relation_size of every table, indexes and TOAST included) after each kind of row, so each kind's
bytes per row are measured, not guessed. Then the fill is pruned as the running process would, and measured
again.

    python -m bench disk                         # scale 0.1, 120 days
    python -m bench.disk --scale 1 --days 365    # the full year (long)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    Chat,
    Delivery,
    DeliveryUpdate,
    Feed,
    FetchLog,
    Item,
    ItemEntity,
    Story,
    Subscription,
)
from storage.prune import prune_history
from storage.settings import Settings

FEEDS = 40
ITEMS_PER_DAY = 1370  # a million items in two years
CHATS = 1000
TAGGED = 0.15
CHAT_SHARE = 0.16  # of the chats, those a tagged story alerts
POLL_SECONDS = 60
STORY_SIZES = (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5)  # half single-source, mean 2
ENTITIES = ("sev_lake", "syunik", "goris", "lachin_corridor", "nagorno_karabakh", "tavush", "csto", "kapan")
LANGUAGES = ("en", "ru", "hy", "az")
OUTCOMES = ("not_modified",) * 17 + ("ok", "unchanged", "error")
CHUNK = 5000
YEAR = 365


@dataclass(frozen=True, slots=True)
class Rates:
    """Rows written per day at a given scale."""

    items: float
    deliveries: float  # alerts and their edits
    fetches: float

    @classmethod
    def of(cls, scale: float) -> Rates:
        items = ITEMS_PER_DAY * scale
        tagged_stories = items * TAGGED / (sum(STORY_SIZES) / len(STORY_SIZES))
        alerts = tagged_stories * CHATS * scale * CHAT_SHARE
        edits = alerts * (sum(STORY_SIZES) / len(STORY_SIZES) - 1)
        return cls(items, alerts + edits, FEEDS * 86400 / POLL_SECONDS * scale)


@dataclass
class Measured:
    backend: str
    items: int = 0
    deliveries: int = 0
    fetches: int = 0
    item_bytes: float = 0
    delivery_bytes: float = 0
    fetch_bytes: float = 0
    before_prune: int = 0
    after_prune: int = 0
    prune_seconds: float = 0
    pruned_rows: int = 0


def _texts() -> list[tuple[str, str]]:
    path = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled_headlines.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return [(str(i["lang"]), str(i["text"])) for i in items if i.get("lang") in LANGUAGES]


class Fill:
    """The rows of `days` days ending at `now`, at `scale`, generated day by day."""

    def __init__(self, days: int, scale: float, now: datetime) -> None:
        self.days, self.scale, self.now = days, scale, now
        self.rng = random.Random(19)
        self.texts = _texts()
        self.chats = max(5, round(CHATS * scale))
        self.item_id = self.story_id = self.delivery_id = 0
        # per tagged story: (story id, first item id, chats alerted, its other items, day)
        self.tagged: list[tuple[int, int, list[int], list[int], datetime]] = []

    def _day(self, day: int) -> datetime:
        return self.now - timedelta(days=self.days - day) + timedelta(minutes=self.rng.uniform(0, 1439))

    def _title(self) -> tuple[str, str]:
        language, title = self.rng.choice(self.texts)
        return language, title

    def _summary(self) -> str:
        return " ".join(self.rng.choice(self.texts)[1] for _ in range(self.rng.randint(2, 4)))

    def items(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]]:
        """(stories, items, item_entities) per day."""
        per_day = ITEMS_PER_DAY * self.scale
        for day in range(self.days):
            stories: list[dict[str, Any]] = []
            items: list[dict[str, Any]] = []
            tags: list[dict[str, Any]] = []
            count = int(per_day * (day + 1)) - int(per_day * day)
            while count > 0:
                size = min(count, self.rng.choice(STORY_SIZES))
                count -= size
                at = self._day(day)
                self.story_id += 1
                tagged = self.rng.random() < TAGGED
                severity = self.rng.choice(("P1", "P2", "P3", "P4", None)) if tagged else None
                entities = self.rng.sample(ENTITIES, self.rng.choice((1, 1, 2))) if tagged else []
                ids = []
                for index in range(size):
                    self.item_id += 1
                    ids.append(self.item_id)
                    language, title = self._title()
                    published = at + timedelta(minutes=7 * index)
                    items.append(
                        {
                            "id": self.item_id,
                            "feed_id": self.rng.randint(1, FEEDS),
                            "story_id": self.story_id,
                            "identity_key": uuid.UUID(int=self.rng.getrandbits(128)).hex * 2,
                            "guid": f"https://news.example/{self.item_id}",
                            "link": f"https://news.example/{language}/2026/{self.item_id}-{title[:40]}",
                            "title": title,
                            "summary": self._summary(),
                            "language": language,
                            "published_at": published,
                            "fetched_at": published + timedelta(seconds=40),
                            "content_hash": uuid.UUID(int=self.rng.getrandbits(128)).hex * 2,
                            "severity": severity,
                            "alertable": tagged,
                            "story_rule": None if index == 0 else "signature",
                            "story_score": None if index == 0 else 0.8,
                            "events": "shelling" if severity == "P1" else None,
                            "story_evidence": None if index == 0 else "place,event",
                        }
                    )
                    tags += [
                        {"item_id": self.item_id, "entity_id": e, "spans": [[0, 8, title[:8]]]}
                        for e in entities
                    ]
                stories.append(
                    {
                        "id": self.story_id,
                        "title": items[-size]["title"],
                        "severity": severity,
                        "created_at": at,
                        "updated_at": at + timedelta(minutes=7 * (size - 1)),
                        "first_item_id": ids[0],
                    }
                )
                if tagged:
                    audience = self.rng.sample(range(1, self.chats + 1), round(self.chats * CHAT_SHARE))
                    self.tagged.append((self.story_id, ids[0], audience, ids[1:], at))
            yield stories, items, tags

    def deliveries(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """(alerts, edits) per tagged story, oldest first."""
        for story_id, first_item, audience, others, at in self.tagged:
            alerts, edits = [], []
            for chat_id in audience:
                self.delivery_id += 1
                sent = at + timedelta(seconds=self.rng.uniform(1, 30))
                alerts.append(
                    {
                        "id": self.delivery_id,
                        "chat_id": chat_id,
                        "story_id": story_id,
                        "item_id": first_item,
                        "severity": "P2",
                        "status": "sent" if self.rng.random() > 0.01 else "dropped",
                        "attempts": 1,
                        "next_attempt_at": at,
                        "message_id": self.rng.randint(1, 10**6),
                        "created_at": at,
                        "sent_at": sent,
                        "shown_sources": len(others),
                        "shown_severity": "P2",
                    }
                )
                for index, item_id in enumerate(others):
                    edited = at + timedelta(minutes=7 * (index + 1))
                    edits.append(
                        {
                            "delivery_id": self.delivery_id,
                            "chat_id": chat_id,
                            "story_id": story_id,
                            "item_id": item_id,
                            "kind": "edit",
                            "severity": "P2",
                            "status": "sent",
                            "attempts": 1,
                            "next_attempt_at": edited,
                            "created_at": edited,
                            "sent_at": edited,
                        }
                    )
            yield alerts, edits

    def fetches(self) -> Iterator[list[dict[str, Any]]]:
        """fetch_log rows per day."""
        per_day = FEEDS * 86400 / POLL_SECONDS * self.scale
        for day in range(self.days):
            start = self.now - timedelta(days=self.days - day)
            count = int(per_day * (day + 1)) - int(per_day * day)
            rows = []
            for n in range(count):
                outcome = self.rng.choice(OUTCOMES)
                rows.append(
                    {
                        "feed_id": n % FEEDS + 1,
                        "started_at": start + timedelta(seconds=86400 * n / count),
                        "duration_ms": self.rng.randint(20, 900),
                        "status_code": {"not_modified": 304, "error": 503}.get(outcome, 200),
                        "outcome": outcome,
                        "error": "HTTP 503 Service Unavailable" if outcome == "error" else None,
                        "new_items": 1 if outcome == "ok" else 0,
                        "worker": "ingest-7f3a9c:4242:5d1e0b",
                    }
                )
            yield rows


async def _insert(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(model), rows[start : start + CHUNK])


def _file_size(path: str) -> int:
    return os.path.getsize(path)


async def _size(db: Database) -> int:
    """Bytes on disk after VACUUM (PostgreSQL: VACUUM FULL, which also gives freed pages back)."""
    url = make_url(db.url)
    if db.dialect == "sqlite":
        await db.dispose()
        path = str(url.database)
        with sqlite3.connect(path) as connection:
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return _file_size(path)
    engine = create_async_engine(db.url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text("VACUUM FULL ANALYZE"))
        size = await connection.scalar(
            text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
        )
    await engine.dispose()
    return int(size or 0)


async def _measure(url: str, backend: str, days: int, scale: float) -> Measured:
    await upgrade(url)
    db = Database(url)
    now = datetime.now(UTC)
    fill = Fill(days, scale, now)
    result = Measured(backend)
    await _insert(
        db,
        Feed,
        [{"id": n, "url": f"https://feed{n}.example/rss", "title": f"Feed {n}"} for n in range(1, FEEDS + 1)],
    )
    await _insert(db, Chat, [{"id": n, "type": "private"} for n in range(1, fill.chats + 1)])
    await _insert(
        db,
        Subscription,
        [{"chat_id": n, "entity_id": e} for n in range(1, fill.chats + 1) for e in ENTITIES[:3]],
    )
    empty = await _size(db)
    for stories, items, tags in fill.items():
        await _insert(db, Story, stories)
        await _insert(db, Item, items)
        await _insert(db, ItemEntity, tags)
        result.items += len(items)
    with_items = await _size(db)
    for alerts, edits in fill.deliveries():
        await _insert(db, Delivery, alerts)
        await _insert(db, DeliveryUpdate, edits)
        result.deliveries += len(alerts) + len(edits)
    with_deliveries = await _size(db)
    for rows in fill.fetches():
        await _insert(db, FetchLog, rows)
        result.fetches += len(rows)
    result.before_prune = await _size(db)
    result.item_bytes = (with_items - empty) / max(result.items, 1)
    result.delivery_bytes = (with_deliveries - with_items) / max(result.deliveries, 1)
    result.fetch_bytes = (result.before_prune - with_deliveries) / max(result.fetches, 1)
    defaults = Settings()
    started = time.perf_counter()
    pruned = await prune_history(
        db, now, fetch_log_days=defaults.fetch_log_days, delivery_days=defaults.delivery_days
    )
    result.prune_seconds = time.perf_counter() - started
    result.pruned_rows = pruned.total
    result.after_prune = await _size(db)
    await db.dispose()
    return result


def _gb(size: float) -> str:
    return f"{size / 1e9:.2f} GB"


def _report(m: Measured, days: int, scale: float) -> None:
    defaults = Settings()
    print(
        f"\n{m.backend}: {m.items:,} items, {m.deliveries:,} alerts and edits, "
        f"{m.fetches:,} polls, {days} days"
    )
    print(
        f"  bytes per item (with its story, tags, search index): {m.item_bytes:,.0f}; "
        f"per alert or edit: {m.delivery_bytes:,.0f}; per poll (fetch_log): {m.fetch_bytes:,.0f}"
    )
    print(
        f"  this fill: {_gb(m.before_prune)} kept forever (baseline) -> {_gb(m.after_prune)} after the "
        f"default prune ({m.pruned_rows:,} rows in {m.prune_seconds:.1f} s): "
        f"{m.after_prune / m.before_prune:.2f}x"
    )
    full = Rates.of(1.0)
    forever = YEAR * (
        full.items * m.item_bytes + full.deliveries * m.delivery_bytes + full.fetches * m.fetch_bytes
    )
    kept = (
        YEAR * full.items * m.item_bytes
        + min(YEAR, defaults.delivery_days) * full.deliveries * m.delivery_bytes
        + min(YEAR, defaults.fetch_log_days) * full.fetches * m.fetch_bytes
    )
    print(
        f"  a year at full size ({FEEDS} feeds polled every {POLL_SECONDS} s, {ITEMS_PER_DAY:,} items/day, "
        f"{CHATS:,} chats, {TAGGED:.0%} tagged, each tagged story alerting {CHAT_SHARE:.0%} of the chats: "
        f"{full.deliveries:,.0f} alerts and edits/day, {full.fetches:,.0f} polls/day):"
    )
    print(
        f"  keeping everything (baseline): {_gb(forever)}; default retention "
        f"({defaults.fetch_log_days} days of polls, {defaults.delivery_days} days of alerts): "
        f"{_gb(kept)}: {kept / forever:.2f}x "
        f"(items alone: {_gb(YEAR * full.items * m.item_bytes)})"
    )


async def _postgres_database(server: str) -> tuple[str, str]:
    name = f"bw_bench_disk_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False), name


async def _drop_postgres(server: str, name: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def _run(days: int, scale: float) -> None:
    print(
        f"fill: {days} days at scale {scale:g} ({ITEMS_PER_DAY * scale:,.0f} items/day, "
        f"{max(5, round(CHATS * scale)):,} chats, {FEEDS * 86400 / POLL_SECONDS * scale:,.0f} polls/day)"
    )
    with tempfile.TemporaryDirectory() as folder:
        measured = await _measure(f"sqlite+aiosqlite:///{folder}/disk.db", "SQLite", days, scale)
        _report(measured, days, scale)
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("BORDERWATCH_TEST_DATABASE_URL")
    if not server:
        print("\nPostgreSQL: skipped (set BORDERWATCH_TEST_DATABASE_URL or BENCH_DATABASE_URL)")
        return
    url, name = await _postgres_database(server)
    try:
        _report(await _measure(url, "PostgreSQL", days, scale), days, scale)
    finally:
        await _drop_postgres(server, name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.disk", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=120, help="days of history to fill (default 120)")
    parser.add_argument(
        "--scale", type=float, default=0.1, help="share of the full size to fill (default 0.1)"
    )
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    asyncio.run(_run(args.days, args.scale))


if __name__ == "__main__":
    main()
