"""History at scale: the queries behind the chat commands that read history, on a database of N items.

Fills a database quickly (bulk INSERTs, not the ingest path) with realistic history: 40 feeds over two years
in four languages (en, ru, hy, az), about 15% of stories tagged with tracked entities, stories of 1–5 items,
300 chats with subscriptions and the deliveries their alerts made. Then times the storage functions the
handlers call, in the order they call them, for /status, admin /status, /status <entity>, /latest,
/latest <entity>, /search (a common, a rare and an absent word), /chart and /feeds: p50 and p95 per command.

Baseline (same run, same data): the queries as they were on main before issue 19 (bench/_history_today.py)
on the database at revision 0013; then the database is upgraded to head (the migration's time is shown) and
today's queries run. Both must give the same answers; the bench says when they do not.

SQLite always (a temporary file); PostgreSQL when BORDERWATCH_TEST_DATABASE_URL or --postgres names a server
(a fresh database per size, dropped afterwards).

    python -m bench history                                 # 20,000 and 200,000 items
    python -m bench.history --items 100000,1000000          # the issue's sizes (about 15 min per backend)
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass, field, is_dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Table, column, insert, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import bench._history_today as today_history
from storage import chats, feed_admin, history
from storage.admins import is_admin
from storage.crises import active_crises
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base
from storage.quarantine import quarantine_counts

DEFAULT_SIZES = (20_000, 200_000)
FEEDS = 40
DAYS = 730
CHATS = 300
ENTITIES = 30
TAGGED_STORIES = 0.15
RARE_WORD = "Tsaghkavan"
RARE_COUNT = 25
ABSENT_WORD = "zzqxv"
CHUNK = 5_000
SAMPLES = 30
BUDGET_SECONDS = 8.0  # per command and side: a slow baseline is sampled fewer times (at least 3)
SLOW_SECONDS = 3.0  # a call slower than this is timed once (n = 1)
BENCH_CHAT = 1
ADMIN_USER = 42

LANGUAGES = ("en", "ru", "hy", "az")
COMMON_WORD = {"en": "border", "ru": "граница", "hy": "սահման", "az": "sərhəd"}
_WORD_TEXT = {
    "en": "shelling village ceasefire troops army ministry defence statement reported near lake road "
    "delimitation commission talks peace agreement positions fire soldiers wounded killed drone attack "
    "residents farmers corridor checkpoint railway bridge president minister visit meeting foreign "
    "negotiations treaty region district night morning sources local officials said according",
    "ru": "обстрел село перемирие войска армия министерство обороны заявление сообщили возле озера дорога "
    "делимитация комиссия переговоры мир соглашение позиции огонь солдаты ранен убит дрон атака жители "
    "фермеры коридор пропускной пункт железная дорога мост президент министр визит встреча",
    "hy": "հրետակոծություն գյուղ զինադադար զորքեր բանակ նախարարություն պաշտպանության հայտարարություն "
    "հաղորդել լճի ճանապարհ սահմանազատում հանձնաժողով բանակցություններ խաղաղություն համաձայնագիր դիրքեր "
    "կրակ զինվորներ վիրավոր զոհված անօդաչու հարձակում բնակիչներ միջանցք անցակետ երկաթուղի կամուրջ",
    "az": "atəş kənd atəşkəs qoşunlar ordu nazirlik müdafiə bəyanat bildirildi göl yaxınlığında yol "
    "delimitasiya komissiya danışıqlar sülh saziş mövqelər əsgərlər yaralı həlak dron hücum sakinlər "
    "fermerlər dəhliz keçid məntəqəsi dəmir yolu körpü prezident nazir səfər görüş",
}
_SYLLABLE_TEXT = {
    "en": "ka ro mi ta ne lo sa ri du ve ba on er st an",
    "ru": "ка ро ми та не ло са ри ду ве ба он ер ст ан",
    "hy": "կա րո մի տա նե լո սա րի դու վե բա օն եր ստ ան",
    "az": "ka ro mi ta ne lo sa ri du ve ba on ər st an",
}
WORDS = {language: words.split() for language, words in _WORD_TEXT.items()}
SYLLABLES = {language: syllables.split() for language, syllables in _SYLLABLE_TEXT.items()}
SEVERITIES = (("P1", 0.01), ("P2", 0.04), ("P3", 0.15), ("P4", 0.30), (None, 0.50))


def _table(model_table: Any, names: Sequence[str]) -> Any:
    """A table of just these columns with the model's types (the 0013 schema, without newer columns)."""
    source: Table = model_table
    return table(source.name, *[column(name, source.c[name].type) for name in names])


def _tables() -> dict[str, Any]:
    meta = Base.metadata.tables
    return {
        "feeds": _table(
            meta["feeds"],
            [
                "id",
                "url",
                "kind",
                "title",
                "language",
                "enabled",
                "history_loaded",
                "interval_seconds",
                "next_poll_at",
                "consecutive_failures",
                "last_error",
                "failing_since",
                "failure_notified",
                "last_success_at",
                "last_new_item_at",
                "created_at",
            ],
        ),
        "entities": _table(
            meta["entities"],
            ["id", "kind", "name", "definition", "origin", "active", "created_at", "updated_at"],
        ),
        "stories": _table(
            meta["stories"], ["id", "title", "severity", "created_at", "updated_at", "first_item_id"]
        ),
        "items": _table(
            meta["items"],
            [
                "id",
                "feed_id",
                "story_id",
                "identity_key",
                "guid",
                "link",
                "title",
                "summary",
                "language",
                "published_at",
                "fetched_at",
                "content_hash",
                "severity",
                "alertable",
                "story_rule",
            ],
        ),
        "item_entities": _table(meta["item_entities"], ["item_id", "entity_id", "spans"]),
        "chats": _table(
            meta["chats"],
            ["id", "type", "active", "quiet_tz", "p1_breaks_quiet", "alerts_enabled", "created_at"],
        ),
        "subscriptions": _table(meta["subscriptions"], ["chat_id", "entity_id", "created_at"]),
        "deliveries": _table(
            meta["deliveries"],
            [
                "id",
                "chat_id",
                "story_id",
                "item_id",
                "severity",
                "status",
                "attempts",
                "next_attempt_at",
                "message_id",
                "created_at",
                "sent_at",
            ],
        ),
    }


@dataclass
class Scenario:
    """What the timed commands ask about: the chat, its entities, one common and one rare entity."""

    now: datetime
    chat_entities: list[str]
    common_entity: str
    rare_entity: str
    rows: dict[str, int] = field(default_factory=dict)


class _Words:
    """Zipf-distributed words of one language: its real words first, then made-up ones."""

    def __init__(self, rng: random.Random, language: str) -> None:
        made_up = {
            "".join(rng.choice(SYLLABLES[language]) for _ in range(rng.randint(2, 4))) for _ in range(3000)
        }
        self.words = [*WORDS[language], *sorted(made_up)]
        weights = [1.0 / (rank + 1) for rank in range(len(self.words))]
        self.cumulative = list(_accumulate(weights))

    def sample(self, rng: random.Random, n: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=n)


def _accumulate(values: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _severity(rng: random.Random) -> str | None:
    roll = rng.random()
    for level, share in SEVERITIES:
        if roll < share:
            return level
        roll -= share
    return None


async def _insert(db: Database, target: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        async with db.transaction() as session:
            await session.execute(insert(target), rows)


async def seed(db: Database, size: int, seed_value: int = 19) -> Scenario:
    """Fill an empty database at revision 0013 with `size` items of two years' history."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    tables = _tables()
    vocab = {language: _Words(rng, language) for language in LANGUAGES}
    entity_ids = [f"entity_{n:02d}" for n in range(ENTITIES)]
    entity_weights = list(_accumulate([1.0 / (rank + 1) for rank in range(ENTITIES)]))
    counts: dict[str, int] = {}

    feeds = []
    for n in range(1, FEEDS + 1):
        failing = n % 13 == 0
        feeds.append(
            {
                "id": n,
                "url": f"https://feed{n}.bench.test/rss",
                "kind": "feed",
                "title": f"Bench feed {n}",
                "language": LANGUAGES[n % 4],
                "enabled": True,
                "history_loaded": True,
                "interval_seconds": 60,
                "next_poll_at": now + timedelta(seconds=n),
                "consecutive_failures": 3 if failing else 0,
                "last_error": "HTTP 503" if failing else None,
                "failing_since": now - timedelta(hours=2) if failing else None,
                "failure_notified": failing,
                "last_success_at": now - timedelta(minutes=1),
                "last_new_item_at": now - timedelta(minutes=n),
                "created_at": start,
            }
        )
    await _insert(db, tables["feeds"], feeds)
    await _insert(
        db,
        tables["entities"],
        [
            {
                "id": entity_id,
                "kind": "place",
                "name": f"Entity {n}",
                "definition": {},
                "origin": "yaml",
                "active": True,
                "created_at": start,
                "updated_at": start,
            }
            for n, entity_id in enumerate(entity_ids)
        ],
    )

    subscribers: dict[str, list[int]] = {entity_id: [] for entity_id in entity_ids}
    everything: list[int] = []
    chat_rows, subscription_rows = [], []
    chat_entities: list[str] = []
    for chat_id in range(1, CHATS + 1):
        chat_rows.append(
            {
                "id": chat_id,
                "type": "private" if chat_id % 5 else "supergroup",
                "active": True,
                "quiet_tz": "UTC",
                "p1_breaks_quiet": True,
                "alerts_enabled": True,
                "created_at": start,
            }
        )
        if chat_id == BENCH_CHAT:
            chosen = [entity_ids[0], entity_ids[1], entity_ids[4], entity_ids[9], entity_ids[20]]
            chat_entities = sorted(chosen)
        elif chat_id % 20 == 0:
            everything.append(chat_id)
            subscription_rows.append({"chat_id": chat_id, "entity_id": "*", "created_at": start})
            continue
        else:
            chosen = sorted(set(rng.choices(entity_ids, cum_weights=entity_weights, k=rng.randint(1, 6))))
        for entity_id in chosen:
            subscribers[entity_id].append(chat_id)
            subscription_rows.append({"chat_id": chat_id, "entity_id": entity_id, "created_at": start})
    await _insert(db, tables["chats"], chat_rows)
    await _insert(db, tables["subscriptions"], subscription_rows)

    # publication times, oldest first; a few items carry the rare word
    seconds = sorted(rng.uniform(0, DAYS * 86400 - 60) for _ in range(size))
    rare_at = set(rng.sample(range(size), min(RARE_COUNT, size)))
    item_id = story_id = delivery_id = 0
    items: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    stories: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []

    async def flush() -> None:
        for name, rows in (("stories", stories), ("items", items), ("item_entities", tags)):
            await _insert(db, tables[name], rows)
            counts[name] = counts.get(name, 0) + len(rows)
            rows.clear()
        for start_row in range(0, len(deliveries), CHUNK):
            await _insert(db, tables["deliveries"], deliveries[start_row : start_row + CHUNK])
        counts["deliveries"] = counts.get("deliveries", 0) + len(deliveries)
        deliveries.clear()

    position = 0
    while position < size:
        story_size = min(rng.randint(1, 5), size - position)
        story_id += 1
        severity = _severity(rng)
        tagged = rng.random() < TAGGED_STORIES
        story_entities = (
            sorted(set(rng.choices(entity_ids, cum_weights=entity_weights, k=rng.randint(1, 2))))
            if tagged
            else []
        )
        first_item = item_id + 1
        published_times = []
        for _ in range(story_size):
            item_id += 1
            feed_id = rng.randint(1, FEEDS)
            language = LANGUAGES[feed_id % 4]
            published = start + timedelta(seconds=seconds[position])
            published_times.append(published)
            title_words = vocab[language].sample(rng, rng.randint(6, 10))
            summary_words = vocab[language].sample(rng, rng.randint(20, 35))
            if rng.random() < 0.06:
                title_words.insert(rng.randrange(len(title_words)), COMMON_WORD[language])
            if position in rare_at:
                summary_words.insert(rng.randrange(len(summary_words)), RARE_WORD)
            alertable = tagged and rng.random() < 0.9
            items.append(
                {
                    "id": item_id,
                    "feed_id": feed_id,
                    "story_id": story_id,
                    "identity_key": f"{item_id:064x}",
                    "guid": f"https://feed{feed_id}.bench.test/{item_id}",
                    "link": f"https://feed{feed_id}.bench.test/{item_id}",
                    "title": " ".join(title_words).capitalize(),
                    "summary": " ".join(summary_words) + ".",
                    "language": language,
                    "published_at": published,
                    "fetched_at": published + timedelta(seconds=rng.randint(5, 600)),
                    "content_hash": f"{item_id:064x}",
                    "severity": severity if tagged else None,
                    "alertable": alertable,
                    "story_rule": "new" if item_id == first_item else "signature",
                }
            )
            for entity_id in story_entities:
                tags.append({"item_id": item_id, "entity_id": entity_id, "spans": [[0, 6, "Entity"]]})
            position += 1
        stories.append(
            {
                "id": story_id,
                "title": items[-story_size]["title"],
                "severity": severity,
                "created_at": published_times[0],
                "updated_at": published_times[-1],
                "first_item_id": first_item,
            }
        )
        if story_entities:
            alerted = sorted(set(everything).union(*(subscribers[e] for e in story_entities)))
            created = published_times[0] + timedelta(seconds=30)
            recent = now - created < timedelta(hours=1)
            for chat_id in alerted:
                delivery_id += 1
                roll = rng.random()
                status = "pending" if recent else "dead" if roll < 0.005 else "sent"
                deliveries.append(
                    {
                        "id": delivery_id,
                        "chat_id": chat_id,
                        "story_id": story_id,
                        "item_id": first_item,
                        "severity": severity,
                        "status": status,
                        "attempts": 1,
                        "next_attempt_at": created,
                        "message_id": delivery_id if status == "sent" else None,
                        "created_at": created,
                        "sent_at": created + timedelta(seconds=2) if status == "sent" else None,
                    }
                )
        if len(items) >= CHUNK:
            await flush()
    await flush()
    counts["chats"] = len(chat_rows)
    counts["subscriptions"] = len(subscription_rows)
    if db.dialect == "postgresql":
        async with db.transaction() as session:
            for name in ("feeds", "stories", "items", "deliveries"):
                await session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))"
                    )
                )
    rare_entity = entity_ids[-1]
    return Scenario(now, chat_entities, entity_ids[0], rare_entity, counts)


# ------------------------------------------------------------------------------------------- the commands

Command = Callable[[ModuleType, ModuleType, Database, Scenario], Awaitable[Any]]


async def status(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    subscribed = await chats.list_subscriptions(db, BENCH_CHAT)
    crises = await active_crises(db, sc.now)
    day = await h.count_by_severity(db, subscribed, sc.now - timedelta(hours=24), sc.now)
    week = await h.count_by_severity(db, subscribed, sc.now - timedelta(days=7), sc.now)
    return crises, day, week, await h.last_alert(db, BENCH_CHAT)


async def admin_status(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    user = await status(h, fa, db, sc)
    admin = await is_admin(db, ADMIN_USER, [])
    return user, admin, await h.feed_health(db), await h.delivery_backlog(db), await quarantine_counts(db)


async def entity_status(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    entity = sc.common_entity
    daily = await h.daily_counts(db, entity, 7, sc.now)
    day = await h.count_by_severity(db, [entity], sc.now - timedelta(hours=24), sc.now)
    week = await h.count_by_severity(db, [entity], sc.now - timedelta(days=7), sc.now)
    return daily, day, week, await h.latest_stories(db, [entity], 5)


async def latest(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    subscribed = await chats.list_subscriptions(db, BENCH_CHAT)
    return await h.latest_stories(db, subscribed, 5)


async def latest_entity(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    return await h.latest_stories(db, [sc.rare_entity], 5)


def _search(word: str) -> Command:
    async def run(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
        return await h.search_items(db, word, 10)

    return run


async def chart(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    subscribed = await chats.list_subscriptions(db, BENCH_CHAT)
    return await h.daily_counts_by_severity(db, subscribed, 7, sc.now)


async def chart_entity(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    return await h.daily_counts_by_severity(db, [sc.common_entity], 90, sc.now)


async def feeds(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
    return await fa.feed_status_page(db, sc.now, offset=0, limit=8)


COMMANDS: list[tuple[str, Command]] = [
    ("/status", status),
    ("/status (admin)", admin_status),
    ("/status <entity>", entity_status),
    ("/latest", latest),
    ("/latest <rare entity>", latest_entity),
    ("/search border (common)", _search(COMMON_WORD["en"])),
    (f"/search {RARE_WORD} (rare)", _search(RARE_WORD)),
    (f"/search {ABSENT_WORD} (absent)", _search(ABSENT_WORD)),
    ("/chart (5 entities, 7 d)", chart),
    ("/chart <entity> 90", chart_entity),
    ("/feeds", feeds),
]

# ------------------------------------------------------------------------------------------------ timing


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float
    samples: int
    answer: Any


def print_before_after(
    label: str,
    new_name: str,
    old_name: str,
    after: Mapping[str, Timing],
    before: Mapping[str, Timing],
    answered: Callable[[Any], str] = lambda _answer: "same",
) -> None:
    """One row a command: its p50, p95 and samples after and before the change, the ratio of the p95s, and
    whether both gave the same answer (`answered` names it then)."""
    print(
        f"  {label:<28} {new_name + ' p50':>10} {'p95':>9} {'(n)':>5}   {old_name + ' p50':>10} {'p95':>9} "
        f"{'(n)':>5}   {f'p95 {new_name}/{old_name}':>14}  answer"
    )
    for name, new in after.items():
        old = before[name]
        same = answered(new.answer) if new.answer == old.answer else "NOT THE SAME"
        print(
            f"  {name:<28} {new.p50:8.2f}ms {new.p95:7.2f}ms {new.samples:>5}   "
            f"{old.p50:8.2f}ms {old.p95:7.2f}ms {old.samples:>5}   {new.p95 / old.p95:13.3f}x  {same}",
            flush=True,
        )


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def _time(command: Command, h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Timing:
    started = time.perf_counter()
    answer = await command(h, fa, db, sc)  # warm-up (and the answer compared between the sides)
    warm_up = time.perf_counter() - started
    if warm_up > SLOW_SECONDS:  # minutes of baseline at 1,000,000 items: its one call is the figure
        return Timing(warm_up * 1000, warm_up * 1000, 1, answer)
    spent, samples = 0.0, list[float]()
    while len(samples) < SAMPLES and (spent < BUDGET_SECONDS or len(samples) < 3):
        started = time.perf_counter()
        await command(h, fa, db, sc)
        samples.append(time.perf_counter() - started)
        spent += samples[-1]
    return Timing(_percentile(samples, 0.5) * 1000, _percentile(samples, 0.95) * 1000, len(samples), answer)


def _plain(value: Any) -> Any:
    """An answer with dataclasses made tuples, so today's and the old module's answers compare."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(astuple(value))
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _analyze(db: Database) -> None:
    if db.dialect == "postgresql":
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            # what autovacuum does after a bulk load: statistics, and the visibility map index-only scans need
            await connection.execute(text("VACUUM (ANALYZE)"))


@dataclass
class SizeResult:
    backend: str
    size: int
    seed_seconds: float
    migrate_seconds: float
    rows: dict[str, int]
    today: dict[str, Timing]
    new: dict[str, Timing]


async def _measure(backend: str, url: str, size: int) -> SizeResult:
    await upgrade(url, "0013")
    db = Database(url)
    try:
        started = time.perf_counter()
        scenario = await seed(db, size)
        seeded = time.perf_counter() - started
        print(f"  seeded {size:,} items in {seeded:.0f} s: {scenario.rows}", flush=True)
        await _analyze(db)
        today = {name: await _time(cmd, today_history, today_history, db, scenario) for name, cmd in COMMANDS}
        await db.dispose()
        started = time.perf_counter()
        await upgrade(url)
        migrated = time.perf_counter() - started
        await _analyze(db)
        new = {name: await _time(cmd, history, feed_admin, db, scenario) for name, cmd in COMMANDS}
    finally:
        await db.dispose()
    return SizeResult(backend, size, seeded, migrated, scenario.rows, today, new)


def _report(result: SizeResult) -> None:
    print(
        f"\n{result.backend}, {result.size:,} items (seeded in {result.seed_seconds:.0f} s; "
        f"upgrade 0013 → head {result.migrate_seconds:.1f} s)"
    )
    print(
        f"  {'command':<30} {'new p50':>10} {'p95':>9} {'(n)':>5}   {'main p50':>12} {'p95':>9} {'(n)':>5}"
        f"   {'p95 new/main':>12}  same answer"
    )
    for name, _command in COMMANDS:
        new, old = result.new[name], result.today[name]
        same = _plain(new.answer) == _plain(old.answer)
        print(
            f"  {name:<30} {new.p50:8.1f}ms {new.p95:7.1f}ms {new.samples:>5}   "
            f"{old.p50:10.1f}ms {old.p95:7.1f}ms {old.samples:>5}   {new.p95 / old.p95:11.3f}x  "
            f"{'yes' if same else 'NO'}",
            flush=True,
        )


def _growth(results: Sequence[SizeResult]) -> None:
    by_backend: dict[str, list[SizeResult]] = {}
    for result in results:
        by_backend.setdefault(result.backend, []).append(result)
    for backend, sized in by_backend.items():
        if len(sized) < 2:
            continue
        small, large = sized[0], sized[-1]
        scale = large.size / small.size
        print(f"\n{backend}: p95 growth from {small.size:,} to {large.size:,} items ({scale:.0f}x the items)")
        for name, _command in COMMANDS:
            new = large.new[name].p95 / small.new[name].p95
            old = large.today[name].p95 / small.today[name].p95
            worst = large.new[name].p95
            print(
                f"  {name:<30} {new:6.2f}x  (main {old:6.2f}x)  p95 at {large.size:,}: {worst:.1f} ms "
                f"{'≤' if worst <= 50 else '>'} 50 ms"
            )


async def _postgres_database(server_url: str, name: str, create: bool) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            statement = (
                f'CREATE DATABASE "{name}"' if create else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            )
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def each_database(
    sizes: Sequence[int], postgres: str | None, prefix: str, sqlite: bool = True
) -> AsyncIterator[tuple[str, str, int]]:
    """(backend, database URL, size) for each size: a temporary SQLite file, then, unless `postgres` is None,
    a database of its own on that PostgreSQL server (named `prefix`_…, dropped after its size is measured)."""
    for size in sizes if sqlite else ():
        print(f"\nSQLite, {size:,} items", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            yield "SQLite", f"sqlite+aiosqlite:///{Path(folder) / 'history.db'}", size
    if postgres is None:
        print("\n(PostgreSQL skipped: set BORDERWATCH_TEST_DATABASE_URL or pass --postgres URL)")
        return
    for size in sizes:
        print(f"\nPostgreSQL, {size:,} items", flush=True)
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        await _postgres_database(postgres, name, create=True)
        try:
            yield (
                "PostgreSQL",
                make_url(postgres).set(database=name).render_as_string(hide_password=False),
                size,
            )
        finally:
            await _postgres_database(postgres, name, create=False)


async def _run(sizes: Sequence[int], postgres: str | None, sqlite: bool = True) -> None:
    results = []
    async for backend, url, size in each_database(sizes, postgres, "bench_history", sqlite):
        results.append(await _measure(backend, url, size))
        _report(results[-1])
    _growth(results)


def sizes_parser(
    prog: str, description: str | None, sizes_variable: str, default: Sequence[int]
) -> argparse.ArgumentParser:
    """The history benches' options: --items (comma-separated sizes, else `sizes_variable`, else `default`),
    --postgres (else BORDERWATCH_TEST_DATABASE_URL) and --no-postgres."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    items = os.environ.get(sizes_variable, ",".join(map(str, default)))
    parser.add_argument("--items", default=items, help="comma-separated sizes, e.g. 100000,1000000")
    parser.add_argument("--postgres", default=os.environ.get("BORDERWATCH_TEST_DATABASE_URL"))
    parser.add_argument("--no-postgres", action="store_true")
    return parser


def parsed_options(
    parser: argparse.ArgumentParser, argv: list[str] | None
) -> tuple[argparse.Namespace, list[int], str | None]:
    """The options (unknown ones left to `make bench`), the sizes and the PostgreSQL URL (None: skipped)."""
    args, _unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    sizes = [int(size.replace("_", "")) for size in args.items.split(",") if size.strip()]
    return args, sizes, None if args.no_postgres else args.postgres


def main(argv: list[str] | None = None) -> None:
    """Seed, time and report (sizes: --items, BENCH_HISTORY_ITEMS; PostgreSQL: --postgres)."""
    parser = sizes_parser("bench.history", __doc__, "BENCH_HISTORY_ITEMS", DEFAULT_SIZES)
    parser.add_argument("--no-sqlite", action="store_true")
    args, sizes, postgres = parsed_options(parser, argv)
    asyncio.run(_run(sizes, postgres, sqlite=not args.no_sqlite))


if __name__ == "__main__":
    main()
