"""The operations port as an operator sees it: /metrics moves with the work, /healthz tells the truth."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

import storage.db
from bot import metrics
from bot.health import HealthServer, follow_writes, health_problems, start_health_server
from feeds.liveness import ProcessLiveness
from feeds.model import NewItem
from feeds.store import StoredItem, store_new_items
from storage.db import Database
from storage.models import Chat, Feed, Subscription
from storage.settings import Settings
from tests.conftest import _admin_execute
from tests.harness import new_item

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class _Poll:
    """The shape of feeds.ingest.PollResult that the on_result hook hands over."""

    feed: Feed
    outcome: str
    seconds: float
    new_items: tuple[StoredItem, ...]


def _settings(url: str) -> Settings:
    return Settings(database_url=url, metrics_port=None)


async def _start(db: Database, **kwargs: object) -> HealthServer:
    server = await start_health_server(db, _settings(db.url), port=0, host="127.0.0.1", **kwargs)  # type: ignore[arg-type]
    assert server.enabled and server.port
    return server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


async def _scrape(http: httpx.AsyncClient, server: HealthServer) -> Samples:
    response = await http.get(f"http://127.0.0.1:{server.port}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _item(key: str, severity: str) -> NewItem:
    title = f"Fire at Sev Lake {key}"
    return new_item(
        title,
        "sev_lake",
        severity=severity,
        published=NOW,
        key=key,
        content_hash="c" * 64,
        spans=((8, 11, "Sev"),),
    )


async def test_metrics_appear_and_move_when_items_and_alerts_flow(
    db: Database, client: httpx.AsyncClient
) -> None:
    server = await _start(db)
    try:
        before = await _scrape(client, server)
        for name in (
            "borderwatch_items_stored_total",
            "borderwatch_alerts_sent_total",
            "borderwatch_alerts_failed_total",
            "borderwatch_deliveries_pending",
        ):
            assert (name, frozenset()) in before, name
        assert ("borderwatch_feed_fetches_total", frozenset({("outcome", "ok")})) in before

        async with db.transaction() as session:
            feed = Feed(url="https://news.example/rss", history_loaded=True)
            session.add_all([feed, Chat(id=7, type="private"), Chat(id=8, type="private")])
            await session.flush()
            session.add_all(
                [Subscription(chat_id=7, entity_id="sev_lake"), Subscription(chat_id=8, entity_id="*")]
            )
            session.add(Chat(id=9, type="private", digest_time="x8:00", digest_error="quarantined: test"))
        stored = await store_new_items(db, feed.id, [_item("a", "P1"), _item("b", "P2")], alert=True, now=NOW)
        metrics.record_poll_result(_Poll(feed=feed, outcome="ok", seconds=0.3, new_items=tuple(stored)))
        metrics.record_fetch("error", 12.0)
        metrics.record_alert_sent(4.0)
        metrics.record_alert_failed()
        metrics.record_telegram_error(429)

        after = await _scrape(client, server)
    finally:
        await server.close()

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("borderwatch_items_stored_total") == 2
    assert delta("borderwatch_items_tagged_total", entity="sev_lake", severity="P1") == 1
    assert delta("borderwatch_feed_fetches_total", outcome="ok") == 1
    assert delta("borderwatch_feed_fetches_total", outcome="error") == 1
    assert delta("borderwatch_feed_fetches_by_feed_total", feed_id=str(feed.id), outcome="ok") == 1
    assert delta("borderwatch_feed_fetch_duration_seconds_count", outcome="error") == 1
    assert delta("borderwatch_feed_fetch_duration_seconds_bucket", outcome="error", le="10.0") == 0
    assert delta("borderwatch_feed_fetch_duration_seconds_bucket", outcome="error", le="20.0") == 1
    assert delta("borderwatch_alerts_sent_total") == 1
    assert delta("borderwatch_alert_send_latency_seconds_bucket", le="5.0") == 1
    assert delta("borderwatch_alerts_failed_total") == 1
    assert delta("borderwatch_telegram_errors_total", code="429") == 1
    # Read from the database on scrape: two stories to two chats each, nothing sent yet.
    assert _value(after, "borderwatch_deliveries_pending") == 4
    assert _value(after, "borderwatch_deliveries", status="pending") == 4
    assert _value(after, "borderwatch_feeds", state="healthy") == 1
    assert _value(after, "borderwatch_feeds", state="failing") == 0
    assert _value(after, "borderwatch_deliveries_quarantined", kind="digest") == 1
    assert _value(after, "borderwatch_deliveries_quarantined", kind="alert") == 0


async def test_healthz_is_200_while_loops_tick_and_503_naming_the_stale_loop(
    db: Database, client: httpx.AsyncClient
) -> None:
    clock = FakeClock()
    beats = metrics.LoopHeartbeats()
    server = await _start(db, heartbeats=beats, clock=clock, staleness=60.0)
    url = f"http://127.0.0.1:{server.port}/healthz"
    try:
        first = await client.get(url)  # no loop started yet: the database alone decides
        assert (first.status_code, first.text) == (200, "ok\n")

        beats.beat("scheduler", clock.now)
        beats.beat("delivery", clock.now)
        clock.now += 50
        beats.beat("scheduler", clock.now)
        assert (await client.get(url)).status_code == 200

        clock.now += 20  # delivery last ticked 70 s ago, scheduler 20 s ago
        stale = await client.get(url)
        assert stale.status_code == 503
        assert stale.text == "loop delivery: no heartbeat for 70 s (limit 60 s)\n"

        beats.beat("delivery", clock.now)
        assert (await client.get(url)).status_code == 200
    finally:
        await server.close()


async def _make_database_go_away(db: Database) -> None:
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        shutil.rmtree(Path(url.database).parent)
    else:
        await asyncio.to_thread(_admin_execute, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    await db.engine.dispose()  # drop pooled connections: the next check must really reach the database


async def test_healthz_turns_503_when_the_database_goes_away(database_url: str, tmp_path: Path) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        # A folder of its own, so removing it takes nothing else of the test with it.
        own = tmp_path / "gone" / "borderwatch.db"
        own.parent.mkdir()
        shutil.copyfile(make_url(database_url).database or "", own)
        database_url = f"sqlite+aiosqlite:///{own}"
    db = Database(database_url)
    # its own heartbeats: a loop another test stopped minutes ago must not answer for the database here
    server = await _start(db, heartbeats=metrics.LoopHeartbeats())
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            url = f"http://127.0.0.1:{server.port}/healthz"
            assert (await http.get(url)).status_code == 200
            await _make_database_go_away(db)
            down = await http.get(url)
            assert down.status_code == 503
            assert down.text.startswith("database: ")
            # /metrics still answers, with the last counts it could read.
            assert (await http.get(f"http://127.0.0.1:{server.port}/metrics")).status_code == 200
    finally:
        await server.close()
        await db.dispose()


async def test_healthz_stays_200_while_another_process_holds_the_write_lock_but_not_when_writes_fail(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long write of another process (an import, a migration) holds SQLite's write lock past /healthz's
    limit: this process's writes wait their turn, the database is not failing. A write the database refuses
    turns database-writes stale. (SQLite's busy timeout cut from 30 s to 0.3 s, the limit from 60 s to 1.)"""
    monkeypatch.setattr(storage.db, "_BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "borderwatch.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    beats = metrics.LoopHeartbeats()
    liveness = ProcessLiveness(db, "bot", beat_seconds=0.1)
    follow_writes(liveness, lambda name: beats.beat(name, time.monotonic()))
    other_process = sqlite3.connect(path, isolation_level=None)

    async def problems() -> list[str]:
        return await health_problems(db, staleness=1.0, heartbeats=beats, now=time.monotonic())

    await liveness.start()
    try:
        other_process.execute("BEGIN IMMEDIATE")
        await asyncio.sleep(2.5)
        assert await problems() == []
        other_process.execute("ROLLBACK")
        other_process.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE ON instances BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        await asyncio.sleep(2.5)
        refused = await problems()
        assert len(refused) == 1 and refused[0].startswith("loop database-writes: no heartbeat"), refused
    finally:
        other_process.close()
        await liveness.stop()
        await db.dispose()


async def test_other_paths_and_methods_are_refused_and_close_frees_the_port(
    db: Database, client: httpx.AsyncClient
) -> None:
    server = await _start(db, heartbeats=metrics.LoopHeartbeats())
    base = f"http://127.0.0.1:{server.port}"
    assert (await client.get(f"{base}/")).status_code == 404
    assert (await client.post(f"{base}/healthz")).status_code == 405
    head = await client.head(f"{base}/healthz")
    assert head.status_code == 200 and head.content == b""
    await server.close()
    await server.close()
    with pytest.raises(httpx.ConnectError):
        await client.get(f"{base}/healthz")


async def test_without_a_metrics_port_nothing_listens(db: Database) -> None:
    server = await start_health_server(db, _settings(db.url))
    assert not server.enabled and server.port is None
    await server.close()
